using System.Text.Json.Nodes;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>InputPath → Parameters → task → ResultSelector → ResultPath → OutputPath.</summary>
public sealed class DataFlowTests
{
    private static (WorkflowRunner Runner, string Output) RunTask(string fields, string input, string result = """{"r":1}""")
    {
        var asl = $$"""{ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "work", {{fields}} "End": true } } }""";
        var runner = new WorkflowRunner(asl).On("work", TaskOutcome.Ok(result));
        var outcome = runner.Run(input);
        return (runner, outcome switch
        {
            WorkflowCommand.Succeeded s => s.OutputJson,
            WorkflowCommand.Failed f => $"{f.Error}: {f.Cause}",
            _ => throw new InvalidOperationException(outcome.ToString()),
        });
    }

    private static void AssertJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData("", """{"a":1}""", """{"r":1}""")]
    [InlineData(""" "ResultPath": "$.res", """, """{"a":1}""", """{"a":1,"res":{"r":1}}""")]
    [InlineData(""" "ResultPath": "$.a.b.c", """, """{"a":{"x":0}}""", """{"a":{"x":0,"b":{"c":{"r":1}}}}""")]
    [InlineData(""" "ResultPath": "$.a", """, """{"a":[1,2,3]}""", """{"a":{"r":1}}""")]
    [InlineData(""" "ResultPath": "$.list[1]", """, """{"list":[1,2,3]}""", """{"list":[1,{"r":1},3]}""")]
    [InlineData(""" "ResultPath": null, """, """{"a":1}""", """{"a":1}""")]
    [InlineData(""" "ResultPath": "$.res", "OutputPath": "$.res.r", """, """{"a":1}""", "1")]
    [InlineData(""" "OutputPath": null, """, """{"a":1}""", "{}")]
    [InlineData(""" "ResultSelector": {"value.$": "$.r", "fixed": "x"}, "ResultPath": "$.sel", """, """{"a":1}""", """{"a":1,"sel":{"value":1,"fixed":"x"}}""")]
    public void Results_are_placed_and_filtered(string fields, string input, string expected) =>
        AssertJson(expected, RunTask(fields, input).Output);

    [Theory]
    [InlineData("", """{"a":{"b":2}}""", """{"a":{"b":2}}""")]
    [InlineData(""" "InputPath": "$.a", """, """{"a":{"b":2}}""", """{"b":2}""")]
    [InlineData(""" "InputPath": null, """, """{"a":{"b":2}}""", "{}")]
    [InlineData(""" "InputPath": "$.xs[*].v", """, """{"xs":[{"v":1},{"v":2}]}""", "[1,2]")]
    [InlineData(""" "Parameters": {"first": 88, "nested": {"b.$": "$.a.b"}, "list": [{"c.$": "$.a"}]}, """, """{"a":{"b":2}}""",
        """{"first":88,"nested":{"b":2},"list":[{"c":{"b":2}}]}""")]
    [InlineData(""" "InputPath": "$.a", "Parameters": {"b.$": "$.b", "whole.$": "$"}, """, """{"a":{"b":2}}""", """{"b":2,"whole":{"b":2}}""")]
    [InlineData(""" "Parameters": {"first.$": "$.vals[0]", "last3.$": "$.vals[3:]"}, """, """{"vals":[0,10,20,30,40,50]}""",
        """{"first":0,"last3":[30,40,50]}""")]
    public void The_task_receives_the_effective_input(string fields, string input, string expectedTaskInput)
    {
        var (runner, _) = RunTask(fields, input);
        AssertJson(expectedTaskInput, runner.Calls.Single().InputJson);
    }

    [Fact]
    public void Parameters_read_the_context_object_with_double_dollar()
    {
        var (runner, _) = RunTask(
            """ "Parameters": {"id.$": "$$.Execution.Id", "state.$": "$$.State.Name", "start.$": "$$.Execution.StartTime", "token.$": "$$.Task.Token", "in.$": "$$.Execution.Input.a", "retry.$": "$$.State.RetryCount"}, """,
            """{"a":5}""");

        AssertJson(
            """{"id":"exec-1","state":"T","start":"2025-01-01T12:00:00.000Z","token":"exec-1/T/1","in":5,"retry":0}""",
            runner.Calls.Single().InputJson);
    }

    [Fact]
    public void Parameters_evaluate_intrinsic_functions()
    {
        var (runner, _) = RunTask(
            """ "Parameters": {"greeting.$": "States.Format('Hello {}, you have {} tips', $.name, $.count)", "merged.$": "States.JsonMerge($.a, $.b, false)", "sum.$": "States.MathAdd($.count, 1)"}, """,
            """{"name":"Jo","count":2,"a":{"x":1,"y":1},"b":{"y":2}}""");

        AssertJson("""{"greeting":"Hello Jo, you have 2 tips","merged":{"x":1,"y":2},"sum":3}""", runner.Calls.Single().InputJson);
    }

    [Theory]
    [InlineData(""" "InputPath": "$.missing", """, "States.Runtime")]
    [InlineData(""" "OutputPath": "$.missing", """, "States.Runtime")]
    [InlineData(""" "Parameters": {"x.$": "$.missing"}, """, "States.ParameterPathFailure")]
    [InlineData(""" "Parameters": {"x.$": "$$.Nope"}, """, "States.ParameterPathFailure")]
    [InlineData(""" "ResultSelector": {"x.$": "$.missing"}, """, "States.ParameterPathFailure")]
    [InlineData(""" "Parameters": {"x.$": "States.StringToJson($.a)"}, """, "States.IntrinsicFailure")]
    [InlineData(""" "ResultPath": "$.a.b", """, "States.ResultPathMatchFailure")]
    public void Data_flow_failures_raise_the_specs_errors(string fields, string error) =>
        Assert.StartsWith(error + ":", RunTask(fields, """{"a":1}""").Output, StringComparison.Ordinal);

    [Fact]
    public void Pass_Result_is_placed_by_ResultPath()
    {
        const string asl = """
            { "StartAt": "P", "States": { "P": { "Type": "Pass", "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
                                                  "ResultPath": "$.coords", "End": true } } }
            """;
        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(new WorkflowRunner(asl).Run("""{"georefOf":"Home"}"""));
        AssertJson("""{"georefOf":"Home","coords":{"x-datum":0.381018,"y-datum":622.2269926397355}}""", succeeded.OutputJson);
    }

    [Theory]
    [InlineData("", """{"a":1}""")]
    [InlineData(""" "Parameters": {"b.$": "$.a"}, """, """{"b":1}""")]
    [InlineData(""" "InputPath": "$.a", """, "1")]
    [InlineData(""" "Parameters": {"b.$": "$.a"}, "ResultPath": "$.p", """, """{"a":1,"p":{"b":1}}""")]
    public void Pass_without_Result_passes_its_effective_input(string fields, string expected)
    {
        var asl = $$"""{ "StartAt": "P", "States": { "P": { "Type": "Pass", {{fields}} "End": true } } }""";
        AssertJson(expected, Assert.IsType<WorkflowCommand.Succeeded>(new WorkflowRunner(asl).Run("""{"a":1}""")).OutputJson);
    }

    [Fact]
    public void The_trace_records_a_task_result_as_the_task_reported_it()
    {
        var (runner, output) = RunTask(""" "ResultPath": "$.res", """, """{"a":1}""", result: """{ "r": [1, 2] }""");

        AssertJson("""{"a":1,"res":{"r":[1,2]}}""", output);
        Assert.Equal("""{ "r": [1, 2] }""", runner.State.History.Single(e => e.Type == HistoryEventType.TaskSucceeded).Output);
    }

    [Fact]
    public void A_task_result_that_is_not_json_fails_the_execution_with_States_Runtime() =>
        Assert.StartsWith("States.Runtime:", RunTask("", "{}", "not json").Output, StringComparison.Ordinal);

    [Fact]
    public void An_execution_started_from_a_document_runs_and_reads_as_one_started_from_its_text()
    {
        const string asl = """
            { "StartAt": "P", "States": {
                "P": { "Type": "Pass", "Result": 2, "ResultPath": "$.b", "Next": "T" },
                "T": { "Type": "Task", "Resource": "work", "Parameters": { "whole.$": "$$.Execution.Input" }, "End": true } } }
            """;
        var fromText = new WorkflowRunner(asl).On("work", TaskOutcome.Ok("{}"));
        fromText.Run("""{"a":1}""");
        var fromDocument = new WorkflowRunner(asl).On("work", TaskOutcome.Ok("{}"));
        fromDocument.State = fromDocument.Engine.Start("exec-1", new JsonObject { ["a"] = 1 }, fromDocument.Now);
        fromDocument.RunToEnd();

        // The first state changed the document it was handed; the execution's input is still what it started with.
        Assert.Equal("""{"a":1}""", fromDocument.State.InputJson);
        Assert.Equal("""{"whole":{"a":1}}""", Assert.Single(fromDocument.Calls).InputJson);
        Assert.Equal(
            fromText.State.History.Select(e => (e.Type, e.State, e.Input, e.Output)),
            fromDocument.State.History.Select(e => (e.Type, e.State, e.Input, e.Output)));
    }

    [Fact]
    public void Start_refuses_input_that_is_not_json()
    {
        var runner = new WorkflowRunner("""{ "StartAt": "P", "States": { "P": { "Type": "Pass", "End": true } } }""");
        Assert.Throws<ArgumentException>(() => runner.Engine.Start("e", "{oops", runner.Now));
    }
}
