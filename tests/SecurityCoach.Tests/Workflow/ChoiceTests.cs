using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

public sealed class ChoiceTests
{
    private const string Input = """
        {
          "s": "beta", "s2": "beta", "n": 20, "n2": 30, "b": true, "f": false, "z": null,
          "t": "2025-01-01T12:00:00Z", "t2": "2025-01-01T13:00:00+01:00", "later": "2025-06-01T00:00:00.5Z",
          "file": "report.txt", "star": "a*b", "slash": "a\\b", "obj": {"k": 1}, "arr": [1, 2]
        }
        """;

    /// <summary>Runs one top-level rule against <see cref="Input"/>: "Yes" when it matches, the Default "No" otherwise.</summary>
    private static string Choose(string rule, string input = Input)
    {
        var asl = $$"""
            {
              "StartAt": "C",
              "States": {
                "C": { "Type": "Choice", "Choices": [ {{rule.Trim()[..^1]}}, "Next": "Yes" } ], "Default": "No" },
                "Yes": { "Type": "Pass", "Result": "Yes", "End": true },
                "No": { "Type": "Pass", "Result": "No", "End": true }
              }
            }
            """;
        var outcome = new WorkflowRunner(asl).Run(input);
        return outcome switch
        {
            WorkflowCommand.Succeeded s => s.OutputJson.Trim('"'),
            WorkflowCommand.Failed f => f.Error!,
            _ => throw new InvalidOperationException(outcome.ToString()),
        };
    }

    [Theory]
    [InlineData("""{"Variable":"$.s","StringEquals":"beta"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","StringEquals":"Beta"}""", "No")]
    [InlineData("""{"Variable":"$.s","StringLessThan":"gamma"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","StringLessThan":"beta"}""", "No")]
    [InlineData("""{"Variable":"$.s","StringGreaterThan":"alpha"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","StringLessThanEquals":"beta"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","StringGreaterThanEquals":"betb"}""", "No")]
    [InlineData("""{"Variable":"$.n","StringEquals":"20"}""", "No")]
    [InlineData("""{"Variable":"$.n","NumericEquals":20}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericEquals":20.0}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericLessThan":20}""", "No")]
    [InlineData("""{"Variable":"$.n","NumericLessThanEquals":20}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericGreaterThan":19.5}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericGreaterThanEquals":21}""", "No")]
    [InlineData("""{"Variable":"$.s","NumericEquals":20}""", "No")]
    [InlineData("""{"Variable":"$.b","BooleanEquals":true}""", "Yes")]
    [InlineData("""{"Variable":"$.f","BooleanEquals":true}""", "No")]
    [InlineData("""{"Variable":"$.s","BooleanEquals":true}""", "No")]
    [InlineData("""{"Variable":"$.t","TimestampEquals":"2025-01-01T13:00:00+01:00"}""", "Yes")]
    [InlineData("""{"Variable":"$.t","TimestampLessThan":"2025-01-01T12:00:01Z"}""", "Yes")]
    [InlineData("""{"Variable":"$.t","TimestampGreaterThan":"2025-01-01T12:00:00Z"}""", "No")]
    [InlineData("""{"Variable":"$.t","TimestampLessThanEquals":"2025-01-01T12:00:00Z"}""", "Yes")]
    [InlineData("""{"Variable":"$.later","TimestampGreaterThanEquals":"2025-06-01T00:00:00Z"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","TimestampEquals":"2025-01-01T12:00:00Z"}""", "No")]
    [InlineData("""{"Variable":"$.t","StringEquals":"2025-01-01T12:00:00Z"}""", "Yes")]
    public void Comparison_operators_compare_values_of_their_own_type_only(string rule, string expected) =>
        Assert.Equal(expected, Choose(rule));

    [Theory]
    [InlineData("""{"Variable":"$.s","StringEqualsPath":"$.s2"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","StringLessThanPath":"$.s2"}""", "No")]
    [InlineData("""{"Variable":"$.s","StringGreaterThanPath":"$.file"}""", "No")]
    [InlineData("""{"Variable":"$.s","StringLessThanEqualsPath":"$.s2"}""", "Yes")]
    [InlineData("""{"Variable":"$.s","StringGreaterThanEqualsPath":"$.s2"}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericEqualsPath":"$.n2"}""", "No")]
    [InlineData("""{"Variable":"$.n","NumericLessThanPath":"$.n2"}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericGreaterThanPath":"$.n2"}""", "No")]
    [InlineData("""{"Variable":"$.n","NumericLessThanEqualsPath":"$.n"}""", "Yes")]
    [InlineData("""{"Variable":"$.n2","NumericGreaterThanEqualsPath":"$.n"}""", "Yes")]
    [InlineData("""{"Variable":"$.b","BooleanEqualsPath":"$.f"}""", "No")]
    [InlineData("""{"Variable":"$.t","TimestampEqualsPath":"$.t2"}""", "Yes")]
    [InlineData("""{"Variable":"$.t","TimestampLessThanPath":"$.later"}""", "Yes")]
    [InlineData("""{"Variable":"$.t","TimestampGreaterThanPath":"$.later"}""", "No")]
    [InlineData("""{"Variable":"$.t","TimestampLessThanEqualsPath":"$.t2"}""", "Yes")]
    [InlineData("""{"Variable":"$.later","TimestampGreaterThanEqualsPath":"$.t"}""", "Yes")]
    [InlineData("""{"Variable":"$.n","NumericEqualsPath":"$.s"}""", "No")]
    [InlineData("""{"Variable":"$.n","NumericEqualsPath":"$.missing"}""", "States.Runtime")]
    public void Path_operators_compare_with_another_value_of_the_input(string rule, string expected) =>
        Assert.Equal(expected, Choose(rule));

    [Theory]
    [InlineData("*.txt", "Yes")]
    [InlineData("report.*", "Yes")]
    [InlineData("*port*", "Yes")]
    [InlineData("report.txt", "Yes")]
    [InlineData("*.csv", "No")]
    [InlineData("r*t.t*t", "Yes")]
    [InlineData("report", "No")]
    [InlineData("*", "Yes")]
    public void StringMatches_treats_star_as_any_run_of_characters(string pattern, string expected) =>
        Assert.Equal(expected, Choose($$"""{"Variable":"$.file","StringMatches":"{{pattern}}"}"""));

    [Theory]
    [InlineData("$.star", """a\\*b""", "Yes")]
    [InlineData("$.star", """a*b""", "Yes")]
    [InlineData("$.file", """*\\*""", "No")]
    [InlineData("$.slash", """a\\\\b""", "Yes")]
    [InlineData("$.slash", """a\\b""", "No")]
    public void StringMatches_escapes_star_and_backslash_with_a_backslash(string variable, string pattern, string expected) =>
        Assert.Equal(expected, Choose($$"""{"Variable":"{{variable}}","StringMatches":"{{pattern}}"}"""));

    [Theory]
    [InlineData("IsPresent", "$.s", true, "Yes")]
    [InlineData("IsPresent", "$.missing", true, "No")]
    [InlineData("IsPresent", "$.missing", false, "Yes")]
    [InlineData("IsPresent", "$.z", true, "Yes")]
    [InlineData("IsNull", "$.z", true, "Yes")]
    [InlineData("IsNull", "$.s", true, "No")]
    [InlineData("IsNull", "$.s", false, "Yes")]
    [InlineData("IsNumeric", "$.n", true, "Yes")]
    [InlineData("IsNumeric", "$.s", true, "No")]
    [InlineData("IsString", "$.s", true, "Yes")]
    [InlineData("IsString", "$.n", true, "No")]
    [InlineData("IsString", "$.obj", false, "Yes")]
    [InlineData("IsBoolean", "$.f", true, "Yes")]
    [InlineData("IsBoolean", "$.z", true, "No")]
    [InlineData("IsTimestamp", "$.t", true, "Yes")]
    [InlineData("IsTimestamp", "$.s", true, "No")]
    [InlineData("IsTimestamp", "$.n", false, "Yes")]
    [InlineData("IsNull", "$.missing", true, "States.Runtime")]
    public void Type_tests_check_presence_and_json_type(string test, string variable, bool expected, string outcome) =>
        Assert.Equal(outcome, Choose($$"""{"Variable":"{{variable}}","{{test}}":{{(expected ? "true" : "false")}}}"""));

    [Theory]
    [InlineData("""{"And":[{"Variable":"$.n","NumericGreaterThanEquals":20},{"Variable":"$.n","NumericLessThan":30}]}""", "Yes")]
    [InlineData("""{"And":[{"Variable":"$.n","NumericGreaterThanEquals":20},{"Variable":"$.s","StringEquals":"x"}]}""", "No")]
    [InlineData("""{"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.b","BooleanEquals":true}]}""", "Yes")]
    [InlineData("""{"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.b","BooleanEquals":false}]}""", "No")]
    [InlineData("""{"Not":{"Variable":"$.s","StringEquals":"Private"}}""", "Yes")]
    [InlineData("""{"Not":{"And":[{"Variable":"$.missing","IsPresent":true},{"Variable":"$.missing","StringEquals":"x"}]}}""", "Yes")]
    [InlineData("""{"Or":[{"Variable":"$.b","BooleanEquals":true},{"Variable":"$.missing","StringEquals":"x"}]}""", "Yes")]
    public void And_Or_Not_combine_rules_and_short_circuit(string rule, string expected) =>
        Assert.Equal(expected, Choose(rule));

    [Fact]
    public void A_comparison_on_a_missing_variable_is_a_States_Runtime_error() =>
        Assert.Equal("States.Runtime", Choose("""{"Variable":"$.missing","StringEquals":"x"}"""));

    [Fact]
    public void Variable_may_read_the_context_object() =>
        Assert.Equal("Yes", Choose("""{"Variable":"$$.Execution.Id","StringEquals":"exec-1"}"""));

    [Fact]
    public void Rules_are_tried_in_order_and_the_first_match_wins()
    {
        const string asl = """
            {
              "StartAt": "C",
              "States": {
                "C": { "Type": "Choice", "Choices": [
                         { "Variable": "$.n", "NumericGreaterThan": 100, "Next": "Big" },
                         { "Variable": "$.n", "NumericGreaterThan": 10, "Next": "Medium" },
                         { "Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big" } ] },
                "Big": { "Type": "Pass", "Result": "Big", "End": true },
                "Medium": { "Type": "Pass", "Result": "Medium", "End": true }
              }
            }
            """;
        Assert.Equal("\"Medium\"", Assert.IsType<WorkflowCommand.Succeeded>(new WorkflowRunner(asl).Run("""{"n":20}""")).OutputJson);
    }

    [Fact]
    public void No_match_without_Default_raises_States_NoChoiceMatched()
    {
        const string asl = """
            {
              "StartAt": "C",
              "States": {
                "C": { "Type": "Choice", "Choices": [ { "Variable": "$.n", "NumericEquals": 1, "Next": "One" } ] },
                "One": { "Type": "Succeed" }
              }
            }
            """;
        var failed = Assert.IsType<WorkflowCommand.Failed>(new WorkflowRunner(asl).Run("""{"n":2}"""));
        Assert.Equal(ErrorNames.NoChoiceMatched, failed.Error);
    }

    [Fact]
    public void Choice_passes_its_input_on_through_InputPath_and_OutputPath()
    {
        const string asl = """
            {
              "StartAt": "C",
              "States": {
                "C": { "Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.keep",
                       "Choices": [ { "Variable": "$.go", "BooleanEquals": true, "Next": "Done" } ] },
                "Done": { "Type": "Succeed" }
              }
            }
            """;
        var runner = new WorkflowRunner(asl);
        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{"inner":{"go":true,"keep":{"a":1}}}"""));
        Assert.Equal("""{"a":1}""", succeeded.OutputJson);
        // The trace says what was passed on, not the input the choice started from.
        Assert.Equal("""{"a":1}""", runner.State.History.Single(e => e is { Type: HistoryEventType.StateExited, State: "C" }).Output);
        Assert.Equal("""{"a":1}""", runner.State.History.Single(e => e is { Type: HistoryEventType.StateEntered, State: "Done" }).Input);
    }

    [Fact]
    public void A_choice_with_the_default_paths_passes_its_input_on_as_it_is()
    {
        const string asl = """
            {
              "StartAt": "C",
              "States": {
                "C": { "Type": "Choice", "Choices": [ { "Variable": "$.go", "BooleanEquals": true, "Next": "Done" } ] },
                "Done": { "Type": "Succeed" }
              }
            }
            """;
        var runner = new WorkflowRunner(asl);
        var succeeded = Assert.IsType<WorkflowCommand.Succeeded>(runner.Run("""{ "go": true, "n": [1, 2] }"""));
        Assert.Equal("""{"go":true,"n":[1,2]}""", succeeded.OutputJson);
        Assert.Equal("""{"go":true,"n":[1,2]}""", runner.State.History.Single(e => e is { Type: HistoryEventType.StateExited, State: "C" }).Output);
    }
}
