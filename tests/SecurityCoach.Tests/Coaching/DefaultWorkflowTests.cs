using Microsoft.Extensions.Options;
using SecurityCoach.Coaching;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Tests.Workflow;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Coaching;

/// <summary>The built-in coaching workflow, run by the engine with its steps answered by the test.</summary>
public sealed class DefaultWorkflowTests
{
    private static CoachingWorkflows Workflows(CoachingOptions? options = null) =>
        new(Options.Create(options ?? new CoachingOptions()), Options.Create(new WorkflowOptions()));

    private static WorkflowRunner Runner(CoachingOptions? options = null, bool testMode = false, bool allowed = true, string? quietUntil = null) =>
        new WorkflowRunner(Workflows(options).DefaultDefinition, isKnownResource: CoachingSteps.All.Contains)
            .On(CoachingSteps.TestMode, TaskOutcome.Ok($$"""{"testMode":{{(testMode ? "true" : "false")}}}"""))
            .On(CoachingSteps.DeliveryLimit, TaskOutcome.Ok($$"""{"allowed":{{(allowed ? "true" : "false")}}}"""))
            .On(CoachingSteps.QuietHours, TaskOutcome.Ok(quietUntil is null ? """{"quiet":false}""" : $$"""{"quiet":true,"resumeAt":"{{quietUntil}}"}"""))
            .On(CoachingSteps.RenderTip, TaskOutcome.Ok("""{"title":"T","body":"B"}"""))
            .On(CoachingSteps.Record, call => TaskOutcome.Ok(call.InputJson))
            .On(CoachingSteps.Alert, TaskOutcome.Ok("""{"alerted":true}"""));

    [Fact]
    public void The_happy_path_checks_the_policy_renders_delivers_the_rendered_tip_and_records_Delivered()
    {
        var runner = Runner().On(CoachingSteps.Deliver, TaskOutcome.Ok("""{"delivered":["webhook"]}"""));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"coachingId":"c1"}""", "c1"));

        Assert.Equal(
            [CoachingSteps.TestMode, CoachingSteps.DeliveryLimit, CoachingSteps.QuietHours, CoachingSteps.RenderTip, CoachingSteps.Deliver, CoachingSteps.Record],
            runner.Calls.Select(c => c.Resource));
        Assert.Equal("""{"tip":{"title":"T","body":"B"}}""", runner.Calls[4].InputJson);
        Assert.Equal("""{"status":"Delivered"}""", runner.Calls[5].InputJson);
        Assert.Equal("c1/Deliver/1", runner.Calls[4].Key);
    }

    [Fact]
    public void Test_mode_records_Simulated_and_delivers_nothing()
    {
        var runner = Runner(testMode: true);

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal([CoachingSteps.TestMode, CoachingSteps.Record], runner.Calls.Select(c => c.Resource));
        Assert.Equal("""{"status":"Simulated"}""", runner.Calls[1].InputJson);
    }

    [Fact]
    public void A_delivery_limit_not_yet_elapsed_records_Suppressed()
    {
        var runner = Runner(allowed: false);

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal([CoachingSteps.TestMode, CoachingSteps.DeliveryLimit, CoachingSteps.Record], runner.Calls.Select(c => c.Resource));
        Assert.Equal("""{"status":"Suppressed"}""", runner.Calls[2].InputJson);
    }

    [Fact]
    public void Quiet_hours_delay_the_delivery_with_a_wait_instead_of_dropping_it()
    {
        var end = WorkflowRunner.T0.AddHours(9);
        var runner = Runner(quietUntil: end.ToString("O")).On(CoachingSteps.Deliver, TaskOutcome.Ok("{}"));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal([TimeSpan.FromHours(9)], runner.Waits);
        var delivery = runner.Calls.Single(c => c.Resource == CoachingSteps.Deliver);
        Assert.Equal(end, delivery.At);
    }

    [Fact]
    public void A_delivery_that_keeps_failing_is_tried_six_times_with_the_seeds_backoff_then_alerts_and_fails()
    {
        var runner = Runner().On(CoachingSteps.Deliver, TaskOutcome.Fail("Channel.Transient", "webhook answered 503"));

        var end = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal(6, runner.Calls.Count(c => c.Resource == CoachingSteps.Deliver));
        Assert.Equal([2.0, 4, 8, 16, 32], runner.WaitSeconds);
        var alert = runner.Calls.Single(c => c.Resource == CoachingSteps.Alert);
        Assert.Equal("""{"Error":"Channel.Transient","Cause":"webhook answered 503"}""", alert.InputJson);
        Assert.Equal("Coaching.DeliveryFailed", end.Error);
    }

    [Fact]
    public void A_rejected_delivery_is_not_retried()
    {
        var runner = Runner().On(CoachingSteps.Deliver, TaskOutcome.Fail("Channel.Rejected", "webhook answered 410"));

        Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Single(runner.Calls, c => c.Resource == CoachingSteps.Deliver);
        Assert.Empty(runner.Waits);
        Assert.Single(runner.Calls, c => c.Resource == CoachingSteps.Alert);
    }

    [Fact]
    public void The_retrier_follows_the_coaching_options()
    {
        var runner = Runner(new CoachingOptions { RetryIntervalSeconds = 1, RetryBackoffRate = 3, MaxAttempts = 3 })
            .On(CoachingSteps.Deliver, TaskOutcome.Fail("Channel.Timeout", "slow"));

        Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal([1.0, 3], runner.WaitSeconds);
    }

    [Fact]
    public void A_policy_step_that_fails_for_a_moment_is_retried()
    {
        var runner = Runner().On(CoachingSteps.DeliveryLimit, TaskOutcome.Fail("Coaching.StepFailed", "user grain unreachable"), TaskOutcome.Ok("""{"allowed":true}"""))
            .On(CoachingSteps.Deliver, TaskOutcome.Ok("{}"));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal(2, runner.Calls.Count(c => c.Resource == CoachingSteps.DeliveryLimit));
    }

    [Fact]
    public void Mapped_resources_are_known_and_resolve_to_their_step()
    {
        var workflows = new CoachingWorkflows(Options.Create(new CoachingOptions()), Options.Create(new WorkflowOptions
        {
            Resources = [new ResourceMapping { Resource = "arn:aws:lambda:TriggerNotifications-Lambda", Step = CoachingSteps.Deliver, FailureError = "AllNotificationsFailedException" }],
        }));

        Assert.True(workflows.IsKnownResource("arn:aws:lambda:TriggerNotifications-Lambda"));
        Assert.False(workflows.IsKnownResource("arn:aws:lambda:Other"));
        Assert.Equal((CoachingSteps.Deliver, "AllNotificationsFailedException"), workflows.Resolve("arn:aws:lambda:TriggerNotifications-Lambda"));
        Assert.Equal((CoachingSteps.Record, (string?)null), workflows.Resolve(CoachingSteps.Record));
        var errors = workflows.Validate("""{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:lambda:Other","End":true}}}""");
        Assert.Equal("$.States.X.Resource", Assert.Single(errors).Field);
    }
}
