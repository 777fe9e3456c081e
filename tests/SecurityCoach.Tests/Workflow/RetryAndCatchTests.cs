using System.Text.Json.Nodes;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

public sealed class RetryAndCatchTests
{
    // Z (the catchers' target) is only declared when a catcher goes there: an unreachable state is invalid.
    private static string TaskWith(string retry, string catchers = "[]", string extra = "") => $$"""
        {
          "StartAt": "X",
          "States": {
            "X": { "Type": "Task", "Resource": "work", {{extra}} "Retry": {{retry}}, "Catch": {{catchers}}, "Next": "Y" },
            {{(catchers.Contains("\"Z\"", StringComparison.Ordinal) ? "\"Z\": { \"Type\": \"Pass\", \"End\": true }," : "")}}
            "Y": { "Type": "Succeed" }
          }
        }
        """;

    private static TaskOutcome[] Errors(params string[] names) => [.. names.Select(n => TaskOutcome.Fail(n, "boom"))];

    [Fact]
    public void The_specs_complex_retry_example_waits_1_2_5_seconds_then_catches()
    {
        // states-language.net, "Complex retry scenarios": ErrorA, ErrorB, ErrorC, ErrorB.
        var asl = TaskWith(
            """[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":2},{"ErrorEquals":["ErrorC"],"IntervalSeconds":5}]""",
            """[{"ErrorEquals":["States.ALL"],"Next":"Z"}]""");
        var runner = new WorkflowRunner(asl).On("work", Errors("ErrorA", "ErrorB", "ErrorC", "ErrorB"));

        var outcome = runner.Run();

        Assert.Equal([1.0, 2, 5], runner.WaitSeconds);
        Assert.Equal(4, runner.Calls.Count);
        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(outcome);
        Assert.Equal("""{"Error":"ErrorB","Cause":"boom"}""", succeeded.OutputJson);
        Assert.Contains(runner.State.History, h => h.Type == HistoryEventType.ErrorCaught && h.Error == "ErrorB" && h.Next == "Z");
    }

    [Theory]
    [InlineData("""{"ErrorEquals":["E"]}""", new[] { 1.0, 2, 4 })]
    [InlineData("""{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":1.5}""", new[] { 3.0, 4.5 })]
    [InlineData("""{"ErrorEquals":["E"],"IntervalSeconds":2,"MaxAttempts":4,"BackoffRate":1}""", new[] { 2.0, 2, 2, 2 })]
    [InlineData("""{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":3,"BackoffRate":2,"MaxDelaySeconds":4}""", new[] { 3.0, 4, 4 })]
    [InlineData("""{"ErrorEquals":["E"],"MaxAttempts":0}""", new double[0])]
    [InlineData("""{"ErrorEquals":["E"],"IntervalSeconds":10,"MaxAttempts":3,"JitterStrategy":"NONE"}""", new[] { 10.0, 20, 40 })]
    public void Retry_waits_follow_interval_backoff_and_cap(string retrier, double[] waits)
    {
        var runner = new WorkflowRunner(TaskWith($"[{retrier}]")).On("work", Errors("E"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal("E", failed.Error);
        Assert.Equal(waits, runner.WaitSeconds);
        Assert.Equal(waits.Length + 1, runner.Calls.Count);
    }

    [Fact]
    public void Full_jitter_scales_each_delay_by_the_random_source()
    {
        var asl = TaskWith("""[{"ErrorEquals":["E"],"IntervalSeconds":4,"MaxAttempts":3,"BackoffRate":2,"JitterStrategy":"FULL"}]""");
        var runner = new WorkflowRunner(asl, new FixedRandom(0.25)).On("work", Errors("E"));

        runner.Run();

        Assert.Equal([1.0, 2, 4], runner.WaitSeconds);
    }

    [Fact]
    public void Full_jitter_applies_after_the_MaxDelaySeconds_cap()
    {
        var asl = TaskWith("""[{"ErrorEquals":["E"],"IntervalSeconds":10,"MaxAttempts":3,"BackoffRate":3,"MaxDelaySeconds":20,"JitterStrategy":"FULL"}]""");
        var runner = new WorkflowRunner(asl, new FixedRandom(0.5)).On("work", Errors("E"));

        runner.Run();

        Assert.Equal([5.0, 10, 10], runner.WaitSeconds);
    }

    [Fact]
    public void A_success_after_retries_continues_to_Next_with_the_result()
    {
        var runner = new WorkflowRunner(TaskWith("""[{"ErrorEquals":["E"]}]"""))
            .On("work", TaskOutcome.Fail("E"), TaskOutcome.Ok("""{"ok":true}"""));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal("""{"ok":true}""", succeeded.OutputJson);
        Assert.Equal(["exec-1/X/1", "exec-1/X/2"], runner.Calls.Select(c => c.Key));
    }

    [Fact]
    public void Only_the_first_matching_retrier_counts_even_when_a_later_one_also_matches()
    {
        var asl = TaskWith("""[{"ErrorEquals":["E"],"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}]""");
        var runner = new WorkflowRunner(asl).On("work", Errors("E"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal("E", failed.Error);
        Assert.Equal([1.0], runner.WaitSeconds);
    }

    [Fact]
    public void Retry_counters_reset_when_the_state_is_entered_again()
    {
        const string asl = """
            {
              "StartAt": "X",
              "States": {
                "X": { "Type": "Task", "Resource": "work", "Retry": [{"ErrorEquals":["E"],"MaxAttempts":1}], "Next": "Again" },
                "Again": { "Type": "Choice", "Choices": [{"Variable":"$.round","NumericLessThan":2,"Next":"X"}], "Default": "Done" },
                "Done": { "Type": "Succeed" }
              }
            }
            """;
        var round = 0;
        var calls = 0;
        var runner = new WorkflowRunner(asl).On("work", _ => ++calls % 2 == 1 ? TaskOutcome.Fail("E") : TaskOutcome.Ok($$"""{"round":{{++round}}}"""));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        // Each visit may retry once; a second visit gets its own key series.
        Assert.Equal(["exec-1/X/1", "exec-1/X/2", "exec-1/X#2/1", "exec-1/X#2/2"], runner.Calls.Select(c => c.Key));
    }

    [Theory]
    [InlineData("States.ALL", "Anything", true)]
    [InlineData("States.ALL", "States.Timeout", true)]
    [InlineData("States.TaskFailed", "Lambda.ServiceException", true)]
    [InlineData("States.TaskFailed", "States.Timeout", false)]
    [InlineData("E", "E", true)]
    [InlineData("E", "e", false)]
    public void Error_names_match_exactly_or_through_the_wildcards(string errorEquals, string error, bool caught)
    {
        var asl = TaskWith("[]", $$"""[{"ErrorEquals":["{{errorEquals}}"],"Next":"Z"}]""");
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Fail(error, "c"));

        var outcome = runner.Run();

        Assert.Equal(caught, outcome is WorkflowCommand.Succeeded);
    }

    [Fact]
    public void States_Runtime_is_never_retried_or_caught_even_by_States_ALL()
    {
        var asl = TaskWith(
            """[{"ErrorEquals":["States.ALL"]}]""",
            """[{"ErrorEquals":["States.ALL"],"Next":"Z"}]""",
            """ "InputPath": "$.missing", """);
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Ok("{}"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal(ErrorNames.Runtime, failed.Error);
        Assert.Empty(runner.Calls);
        Assert.Empty(runner.Waits);
    }

    [Fact]
    public void Catch_ResultPath_keeps_the_input_and_adds_the_error_output()
    {
        var asl = TaskWith("[]", """[{"ErrorEquals":["E"],"ResultPath":"$.error-info","Next":"Z"}]""");
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Fail("E", "it broke"));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"user":"u1"}"""));

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"user":"u1","error-info":{"Error":"E","Cause":"it broke"}}"""),
            JsonNode.Parse(succeeded.OutputJson)));
    }

    [Fact]
    public void Catch_ResultPath_null_discards_the_error_and_passes_the_input_on()
    {
        var asl = TaskWith("[]", """[{"ErrorEquals":["E"],"ResultPath":null,"Next":"Z"}]""");
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Fail("E"));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"user":"u1"}"""));

        Assert.Equal("""{"user":"u1"}""", succeeded.OutputJson);
    }

    [Fact]
    public void Catchers_are_scanned_in_order_and_the_first_match_wins()
    {
        const string asl = """
            {
              "StartAt": "X",
              "States": {
                "X": { "Type": "Task", "Resource": "work", "End": true,
                       "Catch": [ {"ErrorEquals":["Other"],"Next":"A"}, {"ErrorEquals":["E","F"],"Next":"B"}, {"ErrorEquals":["States.ALL"],"Next":"C"} ] },
                "A": { "Type": "Pass", "Result": "A", "End": true },
                "B": { "Type": "Pass", "Result": "B", "End": true },
                "C": { "Type": "Pass", "Result": "C", "End": true }
              }
            }
            """;
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Fail("F"));

        Assert.Equal("\"B\"", Assert.IsType<WorkflowCommand.Succeeded>(runner.Run()).OutputJson);
    }

    [Fact]
    public void A_task_that_never_reports_times_out_at_TimeoutSeconds_and_can_be_retried()
    {
        var asl = TaskWith("""[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1,"IntervalSeconds":3}]""", extra: "\"TimeoutSeconds\": 10,");
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Hang, TaskOutcome.Ok("{}"));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal(WorkflowRunner.T0.AddSeconds(10), runner.Calls[0].Deadline);
        Assert.Equal(WorkflowRunner.T0.AddSeconds(13), runner.Calls[1].At);
        Assert.Contains(runner.State.History, h => h.Type == HistoryEventType.TaskFailed && h.Error == ErrorNames.Timeout);
    }

    [Fact]
    public void A_task_without_TimeoutSeconds_has_the_specs_default_of_60_seconds()
    {
        var runner = new WorkflowRunner(TaskWith("[]")).On("work", TaskOutcome.Hang);

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal(ErrorNames.Timeout, failed.Error);
        Assert.Equal(WorkflowRunner.T0.AddSeconds(60), runner.Now);
    }

    [Fact]
    public void TimeoutSecondsPath_reads_the_timeout_from_the_input()
    {
        var runner = new WorkflowRunner(TaskWith("[]", extra: "\"TimeoutSecondsPath\": \"$.limit\",")).On("work", TaskOutcome.Hang);

        runner.Run("""{"limit":7}""");

        Assert.Equal(WorkflowRunner.T0.AddSeconds(7), runner.Calls[0].Deadline);
    }

    [Fact]
    public void A_task_timeout_is_not_matched_by_States_TaskFailed()
    {
        var asl = TaskWith("[]", """[{"ErrorEquals":["States.TaskFailed"],"Next":"Z"}]""", "\"TimeoutSeconds\": 5,");
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Hang);

        Assert.Equal(ErrorNames.Timeout, Assert.IsType<WorkflowCommand.Failed>(runner.Run()).Error);
    }

    [Fact]
    public void The_machine_TimeoutSeconds_fails_the_execution_with_States_Timeout_even_while_retrying()
    {
        const string asl = """
            {
              "StartAt": "X", "TimeoutSeconds": 30,
              "States": { "X": { "Type": "Task", "Resource": "work", "End": true,
                                 "Retry": [{"ErrorEquals":["E"],"IntervalSeconds":20,"MaxAttempts":5}] } }
            }
            """;
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Fail("E"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal(ErrorNames.Timeout, failed.Error);
        // Retry at 20 s, then the next delay (40 s) is cut short by the 30 s execution limit.
        Assert.Equal([20.0, 10], runner.WaitSeconds);
        Assert.Equal(WorkflowRunner.T0.AddSeconds(30), runner.State.CompletedAt);
    }

    [Fact]
    public void The_machine_deadline_also_bounds_a_task_deadline()
    {
        const string asl = """
            { "StartAt": "X", "TimeoutSeconds": 5, "States": { "X": { "Type": "Task", "Resource": "work", "TimeoutSeconds": 50, "End": true } } }
            """;
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Hang);

        Assert.Equal(ErrorNames.Timeout, Assert.IsType<WorkflowCommand.Failed>(runner.Run()).Error);
        Assert.Equal(WorkflowRunner.T0.AddSeconds(5), runner.Calls[0].Deadline);
    }

    [Fact]
    public void A_Parameters_path_failure_is_an_error_the_state_can_catch()
    {
        var asl = TaskWith("[]", """[{"ErrorEquals":["States.ParameterPathFailure"],"Next":"Z"}]""", """ "Parameters": {"x.$": "$.nope"}, """);
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Ok("{}"));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Contains("States.ParameterPathFailure", succeeded.OutputJson, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void A_ResultPath_that_cannot_be_applied_raises_States_ResultPathMatchFailure()
    {
        var asl = TaskWith("[]", extra: """ "ResultPath": "$.x", """);
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Ok("1"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run("\"just a string\""));

        Assert.Equal(ErrorNames.ResultPathMatchFailure, failed.Error);
    }

    [Fact]
    public void A_ResultPath_that_fails_halfway_leaves_no_trace_in_the_catchers_output()
    {
        // "$.made.list[0]" creates "made" and "list" on the way before it finds no array to index: the input the
        // catcher works on must be the state's input as it was, not the half-changed document.
        var asl = TaskWith("[]", """[{"ErrorEquals":["States.ResultPathMatchFailure"],"ResultPath":"$.error","Next":"Z"}]""",
            """ "ResultPath": "$.made.list[0]", """);
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Ok("1"));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"keep":1}"""));

        var output = System.Text.Json.Nodes.JsonNode.Parse(succeeded.OutputJson)!.AsObject();
        Assert.Equal(["keep", "error"], output.Select(p => p.Key));
        Assert.Equal(ErrorNames.ResultPathMatchFailure, output["error"]!["Error"]!.GetValue<string>());
    }
}
