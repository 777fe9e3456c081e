using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>
/// <see cref="WorkflowLimits"/>: a definition that could hold a silo is refused when parsed, or its execution ends
/// with a terminal, named error within its limits; each error here is one a Catch on States.ALL does not catch.
/// </summary>
public sealed class LimitsTests
{
    /// <summary>A loop whose exit is never taken: only a limit ends it.</summary>
    private const string PassLoop = """
        {
          "StartAt": "Again",
          "States": {
            "Again": { "Type": "Pass", "Next": "Check" },
            "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.stop", "IsPresent": true, "Next": "Done" } ], "Default": "Again" },
            "Done": { "Type": "Succeed" }
          }
        }
        """;

    [Fact]
    public void A_loop_that_never_waits_ends_at_the_transition_limit()
    {
        var runner = new WorkflowRunner(PassLoop);
        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());
        Assert.Equal(ErrorNames.Runtime, failed.Error);
        Assert.Contains("transition limit", failed.Cause);
        Assert.Equal(WorkflowLimits.Default.MaxTransitions + 1, runner.State.Transitions);
    }

    [Fact]
    public void A_loop_through_a_task_ends_at_the_transition_limit_counted_over_the_whole_execution()
    {
        const string asl = """
            {
              "StartAt": "Work",
              "States": {
                "Work": { "Type": "Task", "Resource": "work", "Next": "Check",
                          "Catch": [ { "ErrorEquals": [ "States.ALL" ], "Next": "Caught" } ] },
                "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.stop", "IsPresent": true, "Next": "Done" } ], "Default": "Work" },
                "Caught": { "Type": "Succeed" },
                "Done": { "Type": "Succeed" }
              }
            }
            """;
        var runner = new WorkflowRunner(asl, limits: new WorkflowLimits { MaxTransitions = 20 }).On("work", TaskOutcome.Ok("{}"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal(ErrorNames.Runtime, failed.Error);
        Assert.Equal(10, runner.Calls.Count);
        Assert.DoesNotContain(runner.State.History, e => e.State == "Caught");
    }

    [Theory]
    [InlineData("""{ "StartAt": "Self", "States": { "Self": { "Type": "Task", "Resource": "work", "Next": "Self" } } }""", "$.States.Self")]
    [InlineData("""
        { "StartAt": "A", "States": {
            "A": { "Type": "Pass", "Next": "B" },
            "B": { "Type": "Task", "Resource": "work", "Next": "A", "Catch": [ { "ErrorEquals": ["States.ALL"], "Next": "A" } ] } } }
        """, "$.States.A")]
    [InlineData("""
        { "StartAt": "P", "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
            { "StartAt": "Spin", "States": { "Spin": { "Type": "Pass", "Next": "Spin" } } } ] } } }
        """, "$.States.P.Branches[0].States.Spin")]
    public void A_machine_that_can_never_end_is_refused_when_parsed(string asl, string path)
    {
        var parsed = StateMachineDefinition.Parse(asl);
        Assert.False(parsed.IsValid);
        Assert.Contains(parsed.Errors, e => e.Path == path && e.Message.Contains("can never end"));
    }

    [Fact]
    public void A_payload_that_doubles_in_a_loop_fails_with_States_DataLimitExceeded_which_no_catch_takes()
    {
        const string asl = """
            {
              "StartAt": "Double",
              "States": {
                "Double": { "Type": "Pass", "Parameters": { "a.$": "States.Array($.a, $.a)" }, "Next": "Check" },
                "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.stop", "IsPresent": true, "Next": "Done" } ], "Default": "Wrap" },
                "Wrap": { "Type": "Task", "Resource": "noop", "ResultPath": null, "Next": "Double",
                          "Catch": [ { "ErrorEquals": [ "States.ALL" ], "Next": "Done" } ] },
                "Done": { "Type": "Succeed" }
              }
            }
            """;
        var runner = new WorkflowRunner(asl).On("noop", TaskOutcome.Ok("{}"));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run("""{"a":"0123456789"}"""));

        Assert.Equal(ErrorNames.DataLimitExceeded, failed.Error);
        Assert.Contains("262144-byte payload limit", failed.Cause);
        // It grew to the limit and no further: every state's stored input stayed within it.
        Assert.All(runner.State.Frames, f => Assert.True(f.InputJson.Length <= WorkflowLimits.Default.MaxPayloadBytes));
        Assert.DoesNotContain(runner.State.History, e => e.Type == HistoryEventType.ErrorCaught);
    }

    [Fact]
    public void A_task_result_over_the_payload_limit_fails_the_execution()
    {
        const string asl = """
            { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "big", "End": true,
              "Retry": [ { "ErrorEquals": [ "States.ALL" ], "MaxAttempts": 3 } ] } } }
            """;
        var runner = new WorkflowRunner(asl, limits: new WorkflowLimits { MaxPayloadBytes = 1000 })
            .On("big", TaskOutcome.Ok($"\"{new string('é', 600)}\""));

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        // 600 two-byte characters: under the limit in characters, over it in UTF-8 bytes.
        Assert.Equal(ErrorNames.DataLimitExceeded, failed.Error);
        Assert.Single(runner.Calls);
    }

    [Fact]
    public void An_execution_input_over_the_payload_limit_fails_at_once_and_the_history_keeps_its_size_only()
    {
        var runner = new WorkflowRunner(PassLoop, limits: new WorkflowLimits { MaxPayloadBytes = 100 });

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run($$"""{"x":"{{new string('x', 200)}}"}"""));

        Assert.Equal(ErrorNames.DataLimitExceeded, failed.Error);
        Assert.Equal("""{"truncated":true,"length":208}""", runner.State.History[0].Input);
        Assert.Equal(0, runner.State.Transitions);
    }

    [Fact]
    public void A_retrier_asking_more_attempts_than_the_limit_is_refused_with_its_path()
    {
        const string asl = """
            { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "t", "End": true,
              "Retry": [ { "ErrorEquals": [ "States.ALL" ], "MaxAttempts": 99999999 } ] } } }
            """;

        var parsed = StateMachineDefinition.Parse(asl);

        var error = Assert.Single(parsed.Errors);
        Assert.Equal("$.States.T.Retry[0].MaxAttempts", error.Path);
        Assert.Contains("at most 10", error.Message);
        Assert.True(StateMachineDefinition.Parse(asl.Replace("99999999", "10")).IsValid);
    }

    private const string AlwaysFailing = """
        { "StartAt": "T", "States": {
            "T": { "Type": "Task", "Resource": "t", "End": true,
                   "Retry": [ { "ErrorEquals": [ "States.ALL" ], "IntervalSeconds": 4, "BackoffRate": 1, "MaxAttempts": 10 } ],
                   "Catch": [ { "ErrorEquals": [ "States.ALL" ], "Next": "Caught" } ] },
            "Caught": { "Type": "Succeed" } } }
        """;

    [Fact]
    public void Retries_stop_when_the_executions_retry_budget_is_spent_and_the_error_goes_to_the_catchers()
    {
        var runner = new WorkflowRunner(AlwaysFailing, limits: new WorkflowLimits { MaxRetriesPerExecution = 3 })
            .On("t", TaskOutcome.Fail("Boom"));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal(4, runner.Calls.Count);
        Assert.Contains(runner.State.History, e => e.Type == HistoryEventType.ErrorCaught && e.Next == "Caught");
    }

    [Fact]
    public void Retries_stop_before_their_waits_pass_the_executions_retry_time()
    {
        var runner = new WorkflowRunner(AlwaysFailing, limits: new WorkflowLimits { MaxRetryWait = TimeSpan.FromSeconds(10) })
            .On("t", TaskOutcome.Fail("Boom"));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        // 4 s + 4 s fit in 10 s; a third 4 s wait would not.
        Assert.Equal(3, runner.Calls.Count);
        Assert.Equal([4.0, 4.0], runner.WaitSeconds);
    }

    [Fact]
    public void A_template_reading_more_paths_than_the_limit_is_refused()
    {
        var arguments = string.Join(", ", Enumerable.Repeat("$.a", 65));
        var asl = $$"""{ "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true, "Parameters": { "x.$": "States.Array({{arguments}})" } } } }""";

        var error = Assert.Single(StateMachineDefinition.Parse(asl).Errors);

        Assert.Equal("$.States.P.Parameters", error.Path);
        Assert.Contains("65 paths", error.Message);
    }

    [Fact]
    public void The_history_keeps_texts_up_to_its_limit_and_then_markers_while_the_execution_goes_on()
    {
        const string asl = """{ "StartAt": "A", "States": { "A": { "Type": "Pass", "Result": { "n": 1 }, "Next": "B" }, "B": { "Type": "Pass", "Result": { "n": 2 }, "End": true } } }""";
        var input = $$"""{"pad":"{{new string('p', 185)}}"}""";
        var runner = new WorkflowRunner(asl, limits: new WorkflowLimits { MaxHistoryTextChars = 200 });

        var done = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run(input));

        Assert.Equal("""{"n":2}""", done.OutputJson);
        var texts = runner.State.History.SelectMany(e => new[] { e.Input, e.Output }).OfType<string>().ToList();
        Assert.Equal(input, texts[0]);
        Assert.Contains("""{"truncated":true,"length":7}""", texts);
        Assert.True(runner.State.HistoryTextChars <= 200);
    }

    [Fact]
    public void An_execution_whose_history_reaches_its_limit_fails_with_States_Runtime()
    {
        var runner = new WorkflowRunner(PassLoop, limits: new WorkflowLimits { MaxHistoryEvents = 50 });

        var failed = Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal(ErrorNames.Runtime, failed.Error);
        Assert.Contains("history", failed.Cause);
        // Checked before each step, which records at most a few events.
        Assert.InRange(runner.State.History.Count, 51, 54);
    }

    [Fact]
    public void A_union_repeating_an_index_selects_it_once_so_nested_unions_cannot_multiply()
    {
        Assert.True(JsonPath.TryParse("$[0,0,0,-2][0,0,-1,1]", out var path, out _));

        Assert.True(path.TrySelect(System.Text.Json.Nodes.JsonNode.Parse("[[1,2],[3]]"), out var selected));

        Assert.Equal("[1,2]", selected!.ToJsonString());
    }
}
