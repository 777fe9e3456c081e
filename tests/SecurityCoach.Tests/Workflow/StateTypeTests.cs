using System.Text.Json.Nodes;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>Wait, Succeed, Fail, Parallel and Map (Task, Pass and Choice have their own files).</summary>
public sealed class StateTypeTests
{
    private static void AssertJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData(""" "Seconds": 10 """, "{}", 10)]
    [InlineData(""" "Seconds": 0 """, "{}", 0)]
    [InlineData(""" "Timestamp": "2025-01-01T12:05:00Z" """, "{}", 300)]
    [InlineData(""" "Timestamp": "2025-01-01T13:05:00+01:00" """, "{}", 300)]
    [InlineData(""" "SecondsPath": "$.delay" """, """{"delay":42}""", 42)]
    [InlineData(""" "TimestampPath": "$.at" """, """{"at":"2025-01-01T12:01:00Z"}""", 60)]
    [InlineData(""" "Timestamp": "2024-01-01T00:00:00Z" """, "{}", 0)]
    public void Wait_resumes_at_the_time_it_names(string field, string input, int seconds)
    {
        var asl = $$"""{ "StartAt": "W", "States": { "W": { "Type": "Wait", {{field}}, "End": true } } }""";
        var runner = new WorkflowRunner(asl);

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run(input));

        Assert.Equal(WorkflowRunner.T0.AddSeconds(seconds), runner.Now);
        Assert.Equal(input, succeeded.OutputJson);
    }

    [Theory]
    [InlineData(""" "SecondsPath": "$.delay" """, """{"delay":"soon"}""")]
    [InlineData(""" "SecondsPath": "$.delay" """, """{"delay":1.5}""")]
    [InlineData(""" "SecondsPath": "$.delay" """, "{}")]
    [InlineData(""" "TimestampPath": "$.at" """, """{"at":"noon"}""")]
    public void Wait_with_a_bad_path_value_fails_with_States_Runtime(string field, string input)
    {
        var asl = $$"""{ "StartAt": "W", "States": { "W": { "Type": "Wait", {{field}}, "End": true } } }""";
        Assert.Equal(ErrorNames.Runtime, Assert.IsType<WorkflowCommand.Failed>(new WorkflowRunner(asl).Run(input)).Error);
    }

    [Fact]
    public void Wait_applies_InputPath_and_OutputPath()
    {
        const string asl = """{ "StartAt": "W", "States": { "W": { "Type": "Wait", "InputPath": "$.in", "SecondsPath": "$.s", "OutputPath": "$.keep", "End": true } } }""";
        var runner = new WorkflowRunner(asl);

        AssertJson("\"k\"", Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"in":{"s":3,"keep":"k"}}""")).OutputJson);
        Assert.Equal([3.0], runner.WaitSeconds);
    }

    [Fact]
    public void Succeed_outputs_its_input_filtered_by_InputPath_and_OutputPath()
    {
        const string asl = """{ "StartAt": "S", "States": { "S": { "Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b" } } }""";
        AssertJson("[1]", Assert.IsType<WorkflowCommand.Succeeded>(new WorkflowRunner(asl).Run("""{"a":{"b":[1]}}""")).OutputJson);
    }

    [Theory]
    [InlineData(""" "Error": "ErrorA", "Cause": "Kaiju attack" """, "{}", "ErrorA", "Kaiju attack")]
    [InlineData(""" "ErrorPath": "$.e", "CausePath": "$.c" """, """{"e":"Bad","c":"why"}""", "Bad", "why")]
    [InlineData(""" "Error": "OnlyError" """, "{}", "OnlyError", null)]
    public void Fail_ends_the_execution_with_its_error_and_cause(string fields, string input, string error, string? cause)
    {
        var asl = $$"""{ "StartAt": "F", "States": { "F": { "Type": "Fail", {{fields}} } } }""";
        var failed = Assert.IsType<WorkflowCommand.Failed>(new WorkflowRunner(asl).Run(input));
        Assert.Equal(new WorkflowCommand.Failed(error, cause), failed);
    }

    private const string Fanout = """
        {
          "StartAt": "Fanout",
          "States": {
            "Fanout": {
              "Type": "Parallel",
              "Branches": [
                { "StartAt": "Email", "States": { "Email": { "Type": "Task", "Resource": "email", "End": true } } },
                { "StartAt": "Wait1", "States": {
                    "Wait1": { "Type": "Wait", "Seconds": 5, "Next": "Slack" },
                    "Slack": { "Type": "Task", "Resource": "slack", "ResultPath": "$.slack", "End": true } } },
                { "StartAt": "Static", "States": { "Static": { "Type": "Pass", "Result": 3, "End": true } } }
              ],
              "ResultSelector": { "email.$": "$[0]", "slack.$": "$[1].slack", "count.$": "$[2]" },
              "ResultPath": "$.results",
              "Retry": [ { "ErrorEquals": ["Flaky"], "IntervalSeconds": 1 } ],
              "Catch": [ { "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover" } ],
              "Next": "Done"
            },
            "Recover": { "Type": "Pass", "End": true },
            "Done": { "Type": "Succeed" }
          }
        }
        """;

    [Fact]
    public void Parallel_runs_every_branch_on_the_same_input_and_outputs_their_results_in_order()
    {
        var runner = new WorkflowRunner(Fanout)
            .On("email", TaskOutcome.Ok("\"mailed\""))
            .On("slack", TaskOutcome.Ok("\"posted\""));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"user":"u"}"""));

        AssertJson("""{"user":"u","results":{"email":"mailed","slack":"posted","count":3}}""", succeeded.OutputJson);
        Assert.All(runner.Calls, c => AssertJson("""{"user":"u"}""", c.InputJson));
        Assert.Equal(["exec-1/Fanout[0]/Email/1", "exec-1/Fanout[1]/Slack/1"], runner.Calls.Select(c => c.Key));
        Assert.Equal([5.0], runner.WaitSeconds);
    }

    [Fact]
    public void A_failing_branch_fails_the_Parallel_state_which_retries_all_branches_with_new_keys()
    {
        var slack = 0;
        var runner = new WorkflowRunner(Fanout)
            .On("email", TaskOutcome.Ok("\"mailed\""))
            .On("slack", _ => ++slack == 1 ? TaskOutcome.Fail("Flaky") : TaskOutcome.Ok("\"posted\""));

        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Equal(
            ["exec-1/Fanout[0]/Email/1", "exec-1/Fanout[1]/Slack/1", "exec-1/Fanout[0]/Email#2/1", "exec-1/Fanout[1]/Slack#2/1"],
            runner.Calls.Select(c => c.Key));
        Assert.Equal([5.0, 1, 5], runner.WaitSeconds);
    }

    [Fact]
    public void A_branch_error_the_Parallel_state_catches_keeps_the_input_with_the_error()
    {
        var runner = new WorkflowRunner(Fanout)
            .On("email", TaskOutcome.Fail("Smtp.Refused", "550"))
            .On("slack", TaskOutcome.Ok("\"posted\""));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"user":"u"}"""));

        AssertJson("""{"user":"u","error":{"Error":"Smtp.Refused","Cause":"550"}}""", succeeded.OutputJson);
        Assert.DoesNotContain(runner.Calls, c => c.Resource == "slack");
    }

    [Fact]
    public void A_Fail_state_inside_a_branch_fails_the_execution_when_nothing_catches_it()
    {
        const string asl = """
            { "StartAt": "P", "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "F", "States": { "F": { "Type": "Fail", "Error": "Branch.Broke", "Cause": "no" } } } ] } } }
            """;
        Assert.Equal(new WorkflowCommand.Failed("Branch.Broke", "no"), new WorkflowRunner(asl).Run());
    }

    private const string PerUser = """
        {
          "StartAt": "EachUser",
          "States": {
            "EachUser": {
              "Type": "Map",
              "ItemsPath": "$.users",
              "MaxConcurrency": 2,
              "ItemSelector": { "user.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "campaign.$": "$.campaign" },
              "ItemProcessor": {
                "ProcessorConfig": { "Mode": "INLINE" },
                "StartAt": "Notify",
                "States": { "Notify": { "Type": "Task", "Resource": "notify", "End": true } }
              },
              "ResultPath": "$.sent",
              "End": true
            }
          }
        }
        """;

    [Fact]
    public void Map_runs_the_processor_for_each_item_built_by_ItemSelector_and_collects_results_in_order()
    {
        var runner = new WorkflowRunner(PerUser).On("notify", call => TaskOutcome.Ok(
            JsonNode.Parse(call.InputJson)!["user"]!["name"]!.ToJsonString()));

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"campaign":"c1","users":[{"name":"ann"},{"name":"bob"},{"name":"cy"}]}"""));

        AssertJson("""{"campaign":"c1","users":[{"name":"ann"},{"name":"bob"},{"name":"cy"}],"sent":["ann","bob","cy"]}""", succeeded.OutputJson);
        AssertJson("""{"user":{"name":"bob"},"index":1,"campaign":"c1"}""", runner.Calls[1].InputJson);
        Assert.Equal(["exec-1/EachUser[0]/Notify/1", "exec-1/EachUser[1]/Notify/1", "exec-1/EachUser[2]/Notify/1"], runner.Calls.Select(c => c.Key));
    }

    [Fact]
    public void Map_over_no_items_outputs_an_empty_array_without_running_anything()
    {
        var runner = new WorkflowRunner(PerUser);

        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"campaign":"c1","users":[]}"""));

        AssertJson("""{"campaign":"c1","users":[],"sent":[]}""", succeeded.OutputJson);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void Map_with_legacy_Iterator_and_Parameters_and_no_ItemsPath_maps_over_the_whole_input()
    {
        const string asl = """
            { "StartAt": "M", "States": { "M": { "Type": "Map", "End": true,
                "Parameters": { "v.$": "$$.Map.Item.Value" },
                "Iterator": { "StartAt": "Double", "States": { "Double": { "Type": "Pass", "Parameters": { "twice.$": "States.MathAdd($.v, $.v)" }, "End": true } } } } } }
            """;
        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(new WorkflowRunner(asl).Run("[1,2,3]"));
        AssertJson("""[{"twice":2},{"twice":4},{"twice":6}]""", succeeded.OutputJson);
    }

    [Fact]
    public void Map_whose_ItemsPath_is_not_an_array_fails_with_States_Runtime() =>
        Assert.Equal(ErrorNames.Runtime, Assert.IsType<WorkflowCommand.Failed>(new WorkflowRunner(PerUser).Run("""{"users":{}}""")).Error);
}
