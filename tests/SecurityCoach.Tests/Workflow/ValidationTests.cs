using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

public sealed class ValidationTests
{
    /// <summary>A machine whose single state "S" is written by the test; "T" is a second, reachable target.</summary>
    private static string With(string state) => $$"""
        { "StartAt": "S", "States": { "S": {{state}}, "T": { "Type": "Succeed" } } }
        """;

    private const string Task = """ "Type": "Task", "Resource": "work", "Next": "T" """;

    [Theory]
    [InlineData("""{ "States": { "A": { "Type": "Succeed" } } }""", "$.StartAt", "StartAt is required")]
    [InlineData("""{ "StartAt": "B", "States": { "A": { "Type": "Succeed" } } }""", "$.StartAt", "'B', which is not a state")]
    [InlineData("""{ "StartAt": "A" }""", "$.States", "States is required")]
    [InlineData("""{ "StartAt": "A", "States": {} }""", "$.States", "at least one state")]
    [InlineData("""{ "StartAt": "A", "States": { "A": { "Type": "Succeed" } }, "TimeoutSeconds": 0 }""", "$.TimeoutSeconds", "positive integer")]
    [InlineData("""{ "StartAt": "A", "QueryLanguage": "JSONata", "States": { "A": { "Type": "Succeed" } } }""", "$.QueryLanguage", "only the JSONPath")]
    [InlineData("""{ "StartAt": "A", "States": { "A": { "Type": "Succeed" } }, "Extra": 1 }""", "$.Extra", "unknown field")]
    [InlineData("""[1]""", "$", "must be a JSON object")]
    [InlineData("""{ "StartAt": """, "$", "not valid JSON")]
    public void Machine_level_problems_are_reported(string asl, string path, string message) => AssertError(asl, path, message);

    [Theory]
    [InlineData("""{ "Type": "Pass", "Next": "Nowhere" }""", "$.States.S.Next", "'Nowhere', which is not a state")]
    [InlineData("""{ "Type": "Pass" }""", "$.States.S", "must have Next or \"End\": true")]
    [InlineData("""{ "Type": "Pass", "End": false }""", "$.States.S", "must have Next or \"End\": true")]
    [InlineData("""{ "Type": "Pass", "Next": "T", "End": true }""", "$.States.S.End", "both Next and \"End\": true")]
    [InlineData("""{ "Type": "Pass", "End": "yes" }""", "$.States.S.End", "true or false")]
    [InlineData("""{ "Type": "Succeed", "Next": "T" }""", "$.States.S.Next", "terminal and cannot have Next")]
    [InlineData("""{ "Type": "Fail", "End": true }""", "$.States.S.End", "terminal and cannot have End")]
    [InlineData("""{ "Type": "Teleport", "End": true }""", "$.States.S.Type", "must be one of")]
    [InlineData("""{ "End": true }""", "$.States.S.Type", "Type is required")]
    [InlineData("""{ "Type": "Pass,Task", "End": true }""", "$.States.S.Type", "must be one of")]
    [InlineData("""{ "Type": "1", "End": true }""", "$.States.S.Type", "must be one of")]
    [InlineData("""{ "Type": "pass", "End": true }""", "$.States.S.Type", "must be one of")]
    [InlineData("""{ "Type": "Wait", "Seconds": 1, "Next": "T", "ResultPath": "$.x" }""", "$.States.S.ResultPath", "not allowed on a Wait state")]
    [InlineData("""{ "Type": "Pass", "Next": "T", "Output": "{% 1 %}" }""", "$.States.S.Output", "JSONata")]
    [InlineData("""{ "Type": "Pass", "Next": "T", "InputPath": "$..x" }""", "$.States.S.InputPath", "recursive descent")]
    [InlineData("""{ "Type": "Pass", "Next": "T", "InputPath": "x" }""", "$.States.S.InputPath", "must start with '$'")]
    [InlineData("""{ "Type": "Pass", "Next": "T", "ResultPath": "$.a[*]" }""", "$.States.S.ResultPath", "Reference Path")]
    [InlineData("""{ "Type": "Pass", "Next": "T", "OutputPath": 5 }""", "$.States.S.OutputPath", "path string or null")]
    public void State_shape_problems_are_reported(string state, string path, string message) => AssertError(With(state), path, message);

    [Fact]
    public void Unreachable_states_are_reported()
    {
        const string asl = """{ "StartAt": "A", "States": { "A": { "Type": "Succeed" }, "Orphan": { "Type": "Succeed" } } }""";
        AssertError(asl, "$.States.Orphan", "cannot be reached from StartAt");
    }

    [Theory]
    [InlineData("Pass")]
    [InlineData("Wait")]
    [InlineData("Choice")]
    [InlineData("Succeed")]
    [InlineData("Fail")]
    public void Retry_and_Catch_are_refused_on_states_that_do_not_take_them(string type)
    {
        var state = $$"""{ "Type": "{{type}}", "Retry": [{"ErrorEquals":["E"]}], "Catch": [{"ErrorEquals":["E"],"Next":"T"}] }""";
        var errors = StateMachineDefinition.Parse(With(state)).Errors;
        Assert.Contains(errors, e => e.Path == "$.States.S.Retry" && e.Message.Contains("only allowed on Task, Parallel and Map", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.States.S.Catch" && e.Message.Contains("only allowed on Task, Parallel and Map", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""[{"ErrorEquals":["States.ALL","E"]}]""", "$.States.S.Retry[0].ErrorEquals", "must appear alone")]
    [InlineData("""[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["E"]}]""", "$.States.S.Retry[0].ErrorEquals", "last retrier")]
    [InlineData("""[{"ErrorEquals":[]}]""", "$.States.S.Retry[0].ErrorEquals", "non-empty array")]
    [InlineData("""[{"IntervalSeconds":1}]""", "$.States.S.Retry[0].ErrorEquals", "non-empty array")]
    [InlineData("""[{"ErrorEquals":[3]}]""", "$.States.S.Retry[0].ErrorEquals[0]", "must be a string")]
    [InlineData("""[{"ErrorEquals":["E"]},{"ErrorEquals":["F"],"BackoffRate":0.5}]""", "$.States.S.Retry[1].BackoffRate", "greater than or equal to 1.0")]
    [InlineData("""[{"ErrorEquals":["E"],"MaxDelaySeconds":0}]""", "$.States.S.Retry[0].MaxDelaySeconds", "positive integer")]
    [InlineData("""[{"ErrorEquals":["E"],"MaxDelaySeconds":-1}]""", "$.States.S.Retry[0].MaxDelaySeconds", "positive integer")]
    [InlineData("""[{"ErrorEquals":["E"],"MaxDelaySeconds":2.5}]""", "$.States.S.Retry[0].MaxDelaySeconds", "positive integer")]
    [InlineData("""[{"ErrorEquals":["E"],"JitterStrategy":"PARTIAL"}]""", "$.States.S.Retry[0].JitterStrategy", "\"FULL\" or \"NONE\"")]
    [InlineData("""[{"ErrorEquals":["E"],"IntervalSeconds":0}]""", "$.States.S.Retry[0].IntervalSeconds", "positive integer")]
    [InlineData("""[{"ErrorEquals":["E"],"MaxAttempts":-1}]""", "$.States.S.Retry[0].MaxAttempts", "non-negative integer")]
    [InlineData("""[{"ErrorEquals":["E"],"Tries":3}]""", "$.States.S.Retry[0].Tries", "unknown retrier field")]
    [InlineData("""{"ErrorEquals":["E"]}""", "$.States.S.Retry", "must be an array")]
    public void Retriers_are_checked(string retry, string path, string message) =>
        AssertError(With($$"""{ {{Task}}, "Retry": {{retry}} }"""), path, message);

    [Theory]
    [InlineData("""[{"ErrorEquals":["States.ALL"],"Next":"T"},{"ErrorEquals":["E"],"Next":"T"}]""", "$.States.S.Catch[0].ErrorEquals", "last catcher")]
    [InlineData("""[{"ErrorEquals":["E","States.ALL"],"Next":"T"}]""", "$.States.S.Catch[0].ErrorEquals", "must appear alone")]
    [InlineData("""[{"ErrorEquals":["E"]}]""", "$.States.S.Catch[0].Next", "a catcher needs Next")]
    [InlineData("""[{"ErrorEquals":["E"],"Next":"Gone"}]""", "$.States.S.Catch[0].Next", "'Gone', which is not a state")]
    [InlineData("""[{"ErrorEquals":["E"],"Next":"T","ResultPath":"$.a[1:2]"}]""", "$.States.S.Catch[0].ResultPath", "Reference Path")]
    [InlineData("""[{"ErrorEquals":["E"],"Next":"T","Output":"x"}]""", "$.States.S.Catch[0].Output", "JSONata")]
    public void Catchers_are_checked(string catchers, string path, string message) =>
        AssertError(With($$"""{ {{Task}}, "Catch": {{catchers}} }"""), path, message);

    [Theory]
    [InlineData(""" "Type": "Task", "Next": "T" """, "$.States.S.Resource", "needs a Resource")]
    [InlineData(""" "Type": "Task", "Resource": "nope", "Next": "T" """, "$.States.S.Resource", "unknown resource 'nope'")]
    [InlineData($"{Task}, \"TimeoutSeconds\": 10, \"HeartbeatSeconds\": 10", "$.States.S.HeartbeatSeconds", "must be smaller than TimeoutSeconds (10)")]
    [InlineData($"{Task}, \"HeartbeatSeconds\": 60", "$.States.S.HeartbeatSeconds", "must be smaller than TimeoutSeconds (60)")]
    [InlineData($"{Task}, \"TimeoutSeconds\": 0", "$.States.S.TimeoutSeconds", "positive integer")]
    [InlineData($"{Task}, \"TimeoutSeconds\": 5, \"TimeoutSecondsPath\": \"$.t\"", "$.States.S.TimeoutSecondsPath", "not both")]
    [InlineData($"{Task}, \"Parameters\": {{\"a.$\": \"nope\"}}", "$.States.S.Parameters['a.$']", "must start with '$'")]
    [InlineData($"{Task}, \"Parameters\": {{\"a.$\": 5}}", "$.States.S.Parameters['a.$']", "must be a string")]
    [InlineData($"{Task}, \"Parameters\": {{\"a\": {{\"b.$\": \"States.Format('x', $.y\"}}}}", "$.States.S.Parameters.a['b.$']", "missing ')'")]
    [InlineData($"{Task}, \"ResultSelector\": {{\"a.$\": \"States.Nope()\"}}", "$.States.S.ResultSelector['a.$']", "unknown function 'States.Nope'")]
    public void Task_fields_are_checked(string fields, string path, string message) =>
        AssertError(With($"{{ {fields} }}"), path, message, resource => resource == "work");

    [Theory]
    [InlineData("""{ "Type": "Choice", "Default": "T" }""", "$.States.S.Choices", "non-empty array")]
    [InlineData("""{ "Type": "Choice", "Choices": [] }""", "$.States.S.Choices", "non-empty array")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "StringEquals": "x" }] }""", "$.States.S.Choices[0]", "must have Next")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "Next": "T" }] }""", "$.States.S.Choices[0]", "found 0")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "T" }] }""", "$.States.S.Choices[0]", "found 2")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "StringEquals": 1, "Next": "T" }] }""", "$.States.S.Choices[0].StringEquals", "must be a string")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "NumericEquals": "1", "Next": "T" }] }""", "$.States.S.Choices[0].NumericEquals", "must be a number")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "BooleanEquals": 1, "Next": "T" }] }""", "$.States.S.Choices[0].BooleanEquals", "true or false")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "TimestampEquals": "2016-03-14 01:59:00", "Next": "T" }] }""", "$.States.S.Choices[0].TimestampEquals", "RFC 3339")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "IsNull": "yes", "Next": "T" }] }""", "$.States.S.Choices[0].IsNull", "true or false")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "StringEqualsPath": "a", "Next": "T" }] }""", "$.States.S.Choices[0].StringEqualsPath", "must start with '$'")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "StringEquals": "x", "Next": "T" }] }""", "$.States.S.Choices[0].Variable", "needs a Variable")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "StringLike": "x", "Next": "T" }] }""", "$.States.S.Choices[0].StringLike", "not a comparison operator")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "And": [], "Next": "T" }] }""", "$.States.S.Choices[0].And", "non-empty array")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "And": [{ "Variable": "$.a", "IsNull": true, "Next": "T" }], "Next": "T" }] }""", "$.States.S.Choices[0].And[0].Next", "only allowed on a top-level")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Not": [], "Next": "T" }] }""", "$.States.S.Choices[0].Not", "one choice rule object")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "Or": [{ "Variable": "$.a", "IsNull": true }], "Next": "T" }] }""", "$.States.S.Choices[0].Variable", "cannot be used with Or")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "IsNull": true, "Next": "T" }], "Default": "Gone" }""", "$.States.S.Default", "'Gone', which is not a state")]
    [InlineData("""{ "Type": "Choice", "Choices": [{ "Variable": "$.a", "IsNull": true, "Next": "Gone" }] }""", "$.States.S.Choices[0].Next", "'Gone', which is not a state")]
    public void Choice_rules_are_checked(string state, string path, string message) => AssertError(With(state), path, message);

    [Theory]
    [InlineData("""{ "Type": "Wait", "Next": "T" }""", "$.States.S", "found none")]
    [InlineData("""{ "Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "Next": "T" }""", "$.States.S", "found Seconds, SecondsPath")]
    [InlineData("""{ "Type": "Wait", "Seconds": -1, "Next": "T" }""", "$.States.S.Seconds", "non-negative integer")]
    [InlineData("""{ "Type": "Wait", "Timestamp": "tomorrow", "Next": "T" }""", "$.States.S.Timestamp", "RFC 3339")]
    [InlineData("""{ "Type": "Wait", "Timestamp": "2016-03-14t01:59:00z", "Next": "T" }""", "$.States.S.Timestamp", "RFC 3339")]
    [InlineData("""{ "Type": "Wait", "TimestampPath": "$.a[*]", "Next": "T" }""", "$.States.S.TimestampPath", "Reference Path")]
    [InlineData("""{ "Type": "Fail", "Error": "E", "ErrorPath": "$.e" }""", "$.States.S.ErrorPath", "not both")]
    [InlineData("""{ "Type": "Fail", "Cause": "C", "CausePath": "$.c" }""", "$.States.S.CausePath", "not both")]
    [InlineData("""{ "Type": "Fail", "Error": 5 }""", "$.States.S.Error", "must be a string")]
    [InlineData("""{ "Type": "Parallel", "Branches": [], "Next": "T" }""", "$.States.S.Branches", "non-empty array")]
    [InlineData("""{ "Type": "Parallel", "Branches": [{ "StartAt": "A", "States": { "A": { "Type": "Pass", "Next": "T" } } }], "Next": "T" }""",
        "$.States.S.Branches[0].States.A.Next", "'T', which is not a state here")]
    [InlineData("""{ "Type": "Parallel", "Branches": [{ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true }, "B": { "Type": "Succeed" } } }], "Next": "T" }""",
        "$.States.S.Branches[0].States.B", "cannot be reached")]
    [InlineData("""{ "Type": "Map", "Next": "T" }""", "$.States.S", "needs an ItemProcessor")]
    [InlineData("""{ "Type": "Map", "Next": "T", "ItemProcessor": { "StartAt": "A", "States": { "A": { "Type": "Succeed" } } }, "Iterator": { "StartAt": "A", "States": { "A": { "Type": "Succeed" } } } }""",
        "$.States.S.Iterator", "not both")]
    [InlineData("""{ "Type": "Map", "Next": "T", "MaxConcurrency": -1, "ItemProcessor": { "StartAt": "A", "States": { "A": { "Type": "Succeed" } } } }""",
        "$.States.S.MaxConcurrency", "non-negative integer")]
    [InlineData("""{ "Type": "Map", "Next": "T", "ItemSelector": {}, "Parameters": {}, "ItemProcessor": { "StartAt": "A", "States": { "A": { "Type": "Succeed" } } } }""",
        "$.States.S.Parameters", "not both")]
    [InlineData("""{ "Type": "Map", "Next": "T", "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED" }, "StartAt": "A", "States": { "A": { "Type": "Succeed" } } } }""",
        "$.States.S.ItemProcessor.ProcessorConfig", "INLINE")]
    [InlineData("""{ "Type": "Map", "Next": "T", "ItemProcessor": { "StartAt": "A", "States": { "A": { "Type": "Task", "Resource": "work", "End": true, "Retry": [{"ErrorEquals":["E"],"BackoffRate":0}] } } } }""",
        "$.States.S.ItemProcessor.States.A.Retry[0].BackoffRate", "greater than or equal to 1.0")]
    public void Other_state_types_are_checked(string state, string path, string message) => AssertError(With(state), path, message);

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        const string asl = """
            {
              "StartAt": "Deliver",
              "States": {
                "Deliver": { "Type": "Task", "Resource": "coach:deliver-webhook", "Next": "Nope",
                             "Retry": [ {"ErrorEquals":["Channel.Transient"],"BackoffRate":0.5}, {"ErrorEquals":["States.ALL"],"JitterStrategy":"SOME"} ] },
                "Note": { "Type": "Pass", "Retry": [], "End": true }
              }
            }
            """;

        var result = StateMachineDefinition.Parse(asl, r => r.StartsWith("coach:", StringComparison.Ordinal));

        Assert.False(result.IsValid);
        Assert.Null(result.Definition);
        Assert.Equal(
            ["$.States.Deliver.Next", "$.States.Deliver.Retry[0].BackoffRate", "$.States.Deliver.Retry[1].JitterStrategy", "$.States.Note.Retry", "$.States.Note"],
            result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void State_names_that_are_not_identifiers_are_quoted_in_paths()
    {
        const string asl = """{ "StartAt": "Say hi", "States": { "Say hi": { "Type": "Pass" } } }""";
        AssertError(asl, "$.States['Say hi']", "must have Next");
    }

    [Fact]
    public void A_valid_document_parses_without_errors()
    {
        var result = StateMachineDefinition.Parse(With($$"""{ {{Task}}, "Retry": [{"ErrorEquals":["E"],"MaxDelaySeconds":5,"JitterStrategy":"FULL"}] }"""));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Empty(result.Errors);
        var retrier = Assert.Single(result.Definition!.States["S"].Retry);
        Assert.Equal(new Retrier(retrier.ErrorEquals, 1, 3, 2.0, 5, JitterStrategy.Full), retrier);
    }

    private static void AssertError(string asl, string path, string message, Func<string, bool>? resources = null)
    {
        var result = StateMachineDefinition.Parse(asl, resources);
        Assert.False(result.IsValid);
        Assert.True(
            result.Errors.Any(e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal)),
            $"expected an error at {path} containing \"{message}\"; got: {string.Join(" | ", result.Errors)}");
    }
}
