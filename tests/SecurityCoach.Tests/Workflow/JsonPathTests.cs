using System.Text.Json.Nodes;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

public sealed class JsonPathTests
{
    private const string Doc = """
        {"foo":123,"bar":["a","b","c"],"car":{"cdr":true},"we ird":{"x.y":1},"n":null,
         "ledgers":{"branch":[{"pending":{"count":7}}]},"rows":[{"v":1},{"v":2},{"w":3}]}
        """;

    [Theory]
    [InlineData("$", Doc)]
    [InlineData("$.foo", "123")]
    [InlineData("$.bar", """["a","b","c"]""")]
    [InlineData("$.car.cdr", "true")]
    [InlineData("$['car']['cdr']", "true")]
    [InlineData("$[\"car\"].cdr", "true")]
    [InlineData("$.bar[0]", "\"a\"")]
    [InlineData("$.bar[-1]", "\"c\"")]
    [InlineData("$['we ird']['x.y']", "1")]
    [InlineData("$.ledgers.branch[0].pending.count", "7")]
    [InlineData("$.n", "null")]
    public void Reference_paths_select_one_node(string path, string expected)
    {
        Assert.True(JsonPath.Parse(path).IsReference);
        Assert.True(JsonPath.Parse(path).TrySelect(JsonNode.Parse(Doc), out var value));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), value), $"{path} gave {value?.ToJsonString()}");
    }

    [Theory]
    [InlineData("$.missing")]
    [InlineData("$.foo.bar")]
    [InlineData("$.bar[3]")]
    [InlineData("$.car[0]")]
    public void A_reference_path_to_nothing_selects_nothing(string path) =>
        Assert.False(JsonPath.Parse(path).TrySelect(JsonNode.Parse(Doc), out _));

    [Theory]
    [InlineData("$.bar[*]", """["a","b","c"]""")]
    [InlineData("$.bar[1:]", """["b","c"]""")]
    [InlineData("$.bar[:2]", """["a","b"]""")]
    [InlineData("$.bar[::2]", """["a","c"]""")]
    [InlineData("$.bar[-2:]", """["b","c"]""")]
    [InlineData("$.bar[0,2]", """["a","c"]""")]
    [InlineData("$.rows[*].v", "[1,2]")]
    [InlineData("$.car.*", "[true]")]
    [InlineData("$.rows[5:]", "[]")]
    public void Other_paths_select_an_array_of_matches(string path, string expected)
    {
        Assert.False(JsonPath.Parse(path).IsReference);
        Assert.True(JsonPath.Parse(path).TrySelect(JsonNode.Parse(Doc), out var value));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), value), $"{path} gave {value?.ToJsonString()}");
    }

    [Theory]
    [InlineData("foo", "must start with '$'")]
    [InlineData("$..foo", "recursive descent")]
    [InlineData("$.a[?(@.x)]", "filters")]
    [InlineData("$.a[", "without ']'")]
    [InlineData("$.a.", "ends with '.'")]
    [InlineData("$.a[x]", "neither a quoted name nor an index")]
    [InlineData("$.a[::0]", "step must be positive")]
    [InlineData("$foo", "unexpected 'f'")]
    public void Unsupported_or_malformed_paths_are_refused(string path, string problem)
    {
        Assert.False(JsonPath.TryParse(path, out _, out var message));
        Assert.Contains(problem, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_dots_stay_inside_a_field_name()
    {
        Assert.True(JsonPath.Parse("""$.we ird.x\.y""").TrySelect(JsonNode.Parse(Doc), out var value));
        Assert.Equal("1", value!.ToJsonString());
    }

    [Fact]
    public void Context_paths_are_flagged()
    {
        var path = JsonPath.Parse("$$.Execution.Id");
        Assert.True(path.IsContext);
        Assert.True(path.TrySelect(JsonNode.Parse("""{"Execution":{"Id":"e"}}"""), out var value));
        Assert.Equal("\"e\"", value!.ToJsonString());
    }

    [Theory]
    [InlineData("$", """{"a":1}""", "5", "5")]
    [InlineData("$.b", """{"a":1}""", "5", """{"a":1,"b":5}""")]
    [InlineData("$.b.c", """{"a":1}""", "5", """{"a":1,"b":{"c":5}}""")]
    [InlineData("$.a", """{"a":{"deep":1}}""", "5", """{"a":5}""")]
    [InlineData("$.l[1]", """{"l":[0,0]}""", "5", """{"l":[0,5]}""")]
    [InlineData("$.n.x", """{"n":null}""", "5", """{"n":{"x":5}}""")]
    public void Setting_a_reference_path_builds_missing_objects(string path, string doc, string value, string expected)
    {
        Assert.True(JsonPath.Parse(path).TrySet(JsonNode.Parse(doc), JsonNode.Parse(value), out var result));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"got {result?.ToJsonString()}");
    }

    [Theory]
    [InlineData("$.a.b", """{"a":1}""")]
    [InlineData("$.x", "\"str\"")]
    [InlineData("$.l[2]", """{"l":[0,0]}""")]
    [InlineData("$.l[*]", """{"l":[0,0]}""")]
    public void Setting_through_a_non_object_fails(string path, string doc) =>
        Assert.False(JsonPath.Parse(path).TrySet(JsonNode.Parse(doc), JsonValue.Create(5), out _));
}
