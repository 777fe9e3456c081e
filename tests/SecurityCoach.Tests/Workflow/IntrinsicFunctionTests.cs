using System.Text.Json.Nodes;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

public sealed class IntrinsicFunctionTests
{
    private const string Input = """
        {"name":"Jo","n":3,"s":"{\"a\":1}","o":{"x":1,"y":[1,2]},"o2":{"y":"z"},"arr":[1,"two",{"k":3}],"csv":"a,b,,c","b64":"aGVsbG8="}
        """;

    /// <summary>Evaluates <paramref name="expression"/> as a Pass state's <c>"v.$"</c> parameter.</summary>
    private static string Evaluate(string expression, IRandomSource? random = null)
    {
        var asl = $$"""
            { "StartAt": "P", "States": { "P": { "Type": "Pass", "Parameters": { "v.$": {{JsonValue.Create(expression).ToJsonString()}} }, "OutputPath": "$.v", "End": true } } }
            """;
        var outcome = new WorkflowRunner(asl, random).Run(Input);
        return outcome switch
        {
            WorkflowCommand.Succeeded s => s.OutputJson,
            WorkflowCommand.Failed f => f.Error!,
            _ => throw new InvalidOperationException(outcome.ToString()),
        };
    }

    [Theory]
    [InlineData("States.Format('Hello, {}!', $.name)", "\"Hello, Jo!\"")]
    [InlineData("States.Format('{} + {} = {}', 1, $.n, true)", "\"1 + 3 = true\"")]
    [InlineData("States.Format('literal \\{\\} and \\'quotes\\' {}', null)", "\"literal {} and 'quotes' null\"")]
    [InlineData("States.Format('no placeholders')", "\"no placeholders\"")]
    [InlineData("States.StringToJson($.s)", """{"a":1}""")]
    [InlineData("States.JsonToString($.o)", "\"{\\u0022x\\u0022:1,\\u0022y\\u0022:[1,2]}\"")]
    [InlineData("States.Array(1, 'two', $.o2, null)", """[1,"two",{"y":"z"},null]""")]
    [InlineData("States.Array()", "[]")]
    [InlineData("States.JsonMerge($.o, $.o2, false)", """{"x":1,"y":"z"}""")]
    [InlineData("States.MathAdd($.n, -5)", "-2")]
    [InlineData("States.MathAdd(1.5, 1)", "2.5")]
    [InlineData("States.ArrayLength($.arr)", "3")]
    [InlineData("States.ArrayGetItem($.arr, 2)", """{"k":3}""")]
    [InlineData("States.ArrayContains($.arr, 'two')", "true")]
    [InlineData("States.ArrayContains($.arr, 2)", "false")]
    [InlineData("States.StringSplit($.csv, ',')", """["a","b","c"]""")]
    [InlineData("States.Base64Encode('hello')", "\"aGVsbG8=\"")]
    [InlineData("States.Base64Decode($.b64)", "\"hello\"")]
    [InlineData("States.Format('{}', States.MathAdd($.n, $.n))", "\"6\"")]
    [InlineData("States.JsonToString($$.Execution.Id)", "\"\\u0022exec-1\\u0022\"")]
    [InlineData("States.Array($.o.y[1], $['name'])", """[2,"Jo"]""")]
    public void Intrinsic_functions_compute_their_values(string expression, string expected) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(Evaluate(expression))), $"{expression} gave {Evaluate(expression)}");

    [Theory]
    [InlineData("States.Format('{} {}', $.name)")]
    [InlineData("States.Format('{}', $.name, $.n)")]
    [InlineData("States.Format('{}', $.o)")]
    [InlineData("States.StringToJson($.name)")]
    [InlineData("States.StringToJson($.n)")]
    [InlineData("States.JsonMerge($.o, $.o2, true)")]
    [InlineData("States.JsonMerge($.o, $.n, false)")]
    [InlineData("States.MathAdd($.name, 1)")]
    [InlineData("States.MathAdd(1)")]
    [InlineData("States.ArrayGetItem($.arr, 3)")]
    [InlineData("States.ArrayLength($.o)")]
    [InlineData("States.Base64Decode('***')")]
    [InlineData("States.Format('{}', $.missing)")]
    public void Misuse_raises_States_IntrinsicFailure(string expression) =>
        Assert.Equal(ErrorNames.IntrinsicFailure, Evaluate(expression));

    [Fact]
    public void UUID_is_a_version_4_uuid_drawn_from_the_random_source()
    {
        var first = Evaluate("States.UUID()", new FixedRandom(0.5));
        var second = Evaluate("States.UUID()", new FixedRandom(0.5));

        Assert.Equal(first, second);
        Assert.Equal("\"80808080-8080-4080-8080-808080808080\"", first);
    }
}
