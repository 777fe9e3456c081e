using System.Text.Json.Nodes;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>The seed's own Step Functions definition, unchanged, with its two Lambda resources played by delegates.</summary>
public sealed class SeedStateMachineTests
{
    internal const string CheckRules = "arn:aws:lambda:CheckEventsForRuleMatch-Lambda";
    internal const string Trigger = "arn:aws:lambda:TriggerNotifications-Lambda";

    internal const string Definition = """
        {
          "Comment": "Sample state machine to demonstrate AWS Step Functions",
          "StartAt": "CheckEventsForRuleMatch",
          "States": {
            "CheckEventsForRuleMatch": {
              "Type": "Task",
              "Resource": "arn:aws:lambda:CheckEventsForRuleMatch-Lambda",
              "Parameters": { "Payload.$": "$" },
              "Retry": [
                {
                  "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"],
                  "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2
                }
              ],
              "Next": "FoundMatchingRules"
            },
            "FoundMatchingRules": {
              "Type": "Choice",
              "Choices": [
                { "Variable": "$.trigger_payload_exists", "BooleanEquals": true, "Next": "TriggerNotifications" },
                { "Variable": "$.trigger_payload_exists", "BooleanEquals": false, "Next": "Success" }
              ]
            },
            "TriggerNotifications": {
              "Type": "Task",
              "Resource": "arn:aws:lambda:TriggerNotifications-Lambda",
              "Parameters": { "Payload.$": "$" },
              "Retry": [
                {
                  "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "AllNotificationsFailedException"],
                  "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2
                }
              ],
              "Catch": [ { "ErrorEquals": ["AllNotificationsFailedException", "UnknownException"], "Next": "Fail" } ],
              "Next": "Success"
            },
            "Fail": { "Type": "Fail" },
            "Success": { "Type": "Succeed" }
          }
        }
        """;

    internal const string MatchedRules = """{"trigger_payload_exists":true,"rules":["phishing-click"]}""";

    private static readonly Func<string, bool> LambdaOnly = r => r is CheckRules or Trigger;

    [Fact]
    public void The_seed_definition_is_valid_with_its_two_lambda_resources() =>
        Assert.True(StateMachineDefinition.Parse(Definition, LambdaOnly).IsValid);

    [Fact]
    public void The_seed_definition_is_rejected_when_a_resource_is_not_registered()
    {
        var result = StateMachineDefinition.Parse(Definition, r => r == CheckRules);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$.States.TriggerNotifications.Resource", error.Path);
    }

    [Fact]
    public void Notification_that_fails_three_times_then_succeeds_ends_in_Success_after_waits_of_2_4_8_seconds()
    {
        var runner = new WorkflowRunner(Definition, isKnownResource: LambdaOnly)
            .On(CheckRules, TaskOutcome.Ok(MatchedRules))
            .On(Trigger,
                TaskOutcome.Fail("Lambda.ServiceException", "503"),
                TaskOutcome.Fail("Lambda.ServiceException", "503"),
                TaskOutcome.Fail("Lambda.ServiceException", "503"),
                TaskOutcome.Ok("""{"delivered":1}"""));

        var outcome = runner.Run("""{"user":"jdoe@acme.example"}""");

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(outcome);
        Assert.Equal("""{"delivered":1}""", succeeded.OutputJson);
        Assert.Equal([2.0, 4, 8], runner.WaitSeconds);
        Assert.Equal(
            ["exec-1/CheckEventsForRuleMatch/1", "exec-1/TriggerNotifications/1", "exec-1/TriggerNotifications/2",
             "exec-1/TriggerNotifications/3", "exec-1/TriggerNotifications/4"],
            runner.Calls.Select(c => c.Key));
        // Parameters {"Payload.$": "$"} wraps the previous state's output.
        Assert.Equal("""{"Payload":{"user":"jdoe@acme.example"}}""", runner.Calls[0].InputJson);
        Assert.Equal("""{"Payload":""" + MatchedRules + "}", runner.Calls[1].InputJson);
        Assert.Equal(ExecutionStatus.Succeeded, runner.State.Status);
        Assert.Equal(WorkflowRunner.T0.AddSeconds(14), runner.State.CompletedAt);
    }

    [Fact]
    public void Notification_that_always_fails_is_retried_six_times_then_caught_into_the_Fail_state()
    {
        var runner = new WorkflowRunner(Definition, isKnownResource: LambdaOnly)
            .On(CheckRules, TaskOutcome.Ok(MatchedRules))
            .On(Trigger, TaskOutcome.Fail("AllNotificationsFailedException", "every channel refused"));

        var outcome = runner.Run();

        var failed = Assert.IsType<WorkflowCommand.Failed>(outcome);
        // The seed's Fail state names no Error or Cause.
        Assert.Null(failed.Error);
        Assert.Null(failed.Cause);
        // MaxAttempts 6 is six retries after the first attempt: seven calls in all.
        Assert.Equal(7, runner.Calls.Count(c => c.Resource == Trigger));
        Assert.Equal([2.0, 4, 8, 16, 32, 64], runner.WaitSeconds);
        var caught = Assert.Single(runner.State.History, h => h.Type == HistoryEventType.ErrorCaught);
        Assert.Equal("TriggerNotifications", caught.State);
        Assert.Equal("AllNotificationsFailedException", caught.Error);
        Assert.Equal("Fail", caught.Next);
        var failInput = runner.State.History.Single(h => h.Type == HistoryEventType.StateEntered && h.State == "Fail").Input!;
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"Error":"AllNotificationsFailedException","Cause":"every channel refused"}"""),
            JsonNode.Parse(failInput)));
    }

    [Fact]
    public void No_matching_rule_goes_straight_to_Success_without_notifying()
    {
        var runner = new WorkflowRunner(Definition, isKnownResource: LambdaOnly)
            .On(CheckRules, TaskOutcome.Ok("""{"trigger_payload_exists":false}"""));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());
        Assert.DoesNotContain(runner.Calls, c => c.Resource == Trigger);
    }

    [Fact]
    public void An_error_no_retrier_or_catcher_names_fails_the_execution_with_that_error()
    {
        var runner = new WorkflowRunner(Definition, isKnownResource: LambdaOnly)
            .On(CheckRules, TaskOutcome.Ok(MatchedRules))
            .On(Trigger, TaskOutcome.Fail("Lambda.TooManyRequestsException", "throttled"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal("Lambda.TooManyRequestsException", failed.Error);
        Assert.Equal("throttled", failed.Cause);
        Assert.Empty(runner.Waits);
    }

    [Fact]
    public void History_traces_each_state_entered_and_exited_with_attempts_and_errors()
    {
        var runner = new WorkflowRunner(Definition, isKnownResource: LambdaOnly)
            .On(CheckRules, TaskOutcome.Ok(MatchedRules))
            .On(Trigger, TaskOutcome.Fail("Lambda.ServiceException", "503"), TaskOutcome.Ok("{}"));

        runner.Run();

        Assert.Equal(
            [
                "ExecutionStarted ",
                "StateEntered CheckEventsForRuleMatch", "TaskScheduled CheckEventsForRuleMatch", "TaskSucceeded CheckEventsForRuleMatch",
                "StateExited CheckEventsForRuleMatch",
                "StateEntered FoundMatchingRules", "StateExited FoundMatchingRules",
                "StateEntered TriggerNotifications", "TaskScheduled TriggerNotifications", "TaskFailed TriggerNotifications",
                "RetryScheduled TriggerNotifications", "TaskScheduled TriggerNotifications", "TaskSucceeded TriggerNotifications",
                "StateExited TriggerNotifications",
                "StateEntered Success", "StateExited Success",
                "ExecutionSucceeded ",
            ],
            runner.State.History.Select(h => $"{h.Type} {h.State}"));
        var retry = runner.State.History.Single(h => h.Type == HistoryEventType.RetryScheduled);
        Assert.Equal(1, retry.Attempt);
        Assert.Equal("Lambda.ServiceException", retry.Error);
        Assert.Equal(WorkflowRunner.T0.AddSeconds(2), retry.Until);
        Assert.Equal([1, 2], runner.State.History.Where(h => h.Type == HistoryEventType.TaskScheduled && h.State == "TriggerNotifications")
            .Select(h => h.Attempt!.Value));
        Assert.Equal(Enumerable.Range(1, runner.State.History.Count), runner.State.History.Select(h => h.Id));
    }
}
