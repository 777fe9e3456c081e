using System.Text.Json;
using SecurityCoach.Rules;

namespace SecurityCoach.Tests.Rules;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("", "$", "pattern is required")]
    [InlineData("{", "$", "pattern is not valid JSON")]
    [InlineData("""{"a":["x"]} trailing""", "$", "pattern is not valid JSON")]
    [InlineData("""["x"]""", "$", "pattern must be a JSON object, not an array")]
    [InlineData("\"x\"", "$", "pattern must be a JSON object, not a string")]
    [InlineData("{}", "$", "pattern must have at least one field")]
    [InlineData("""{"metadata":{}}""", "$.metadata", "object must have at least one field")]
    [InlineData("""{"disposition":"Allowed"}""", "$.disposition", "must be an array of values or a nested object, not a string")]
    [InlineData("""{"a":{"b":4}}""", "$.a.b", "must be an array of values or a nested object, not a number")]
    [InlineData("""{"disposition":[]}""", "$.disposition", "array of values must not be empty")]
    [InlineData("""{"disposition":[["Allowed"]]}""", "$.disposition[0]", "arrays cannot be nested")]
    [InlineData("""{"disposition":["a"],"disposition":["b"]}""", "$.disposition", "field 'disposition' appears more than once")]
    [InlineData("""{"detail type":[1,1e400]}""", "$['detail type'][1]", "number 1e400 is out of range")]
    public void Malformed_patterns_are_rejected_with_the_path_of_the_problem(string pattern, string path, string message) =>
        AssertRejected(pattern, path, message);

    [Theory]
    [InlineData("""{"a":[{}]}""", "$.a[0]", "a matcher object must hold exactly one operator, found 0")]
    [InlineData("""{"a":[{"prefix":"x","suffix":"y"}]}""", "$.a[0]", "a matcher object must hold exactly one operator, found 2")]
    [InlineData("""{"a":[{"contains":"x"}]}""", "$.a[0].contains", "unknown operator 'contains'")]
    [InlineData("""{"a":[{"Prefix":"x"}]}""", "$.a[0].Prefix", "unknown operator 'Prefix'")]
    [InlineData("""{"a":[{"prefix":5}]}""", "$.a[0].prefix", "prefix: value must be a string or {\"equals-ignore-case\": string}, not a number")]
    [InlineData("""{"a":[{"prefix":{"wildcard":"x*"}}]}""", "$.a[0].prefix.wildcard", "prefix: unsupported operator 'wildcard'")]
    [InlineData("""{"a":[{"suffix":{"equals-ignore-case":3}}]}""", "$.a[0].suffix.equals-ignore-case", "suffix equals-ignore-case: value must be a string, not a number")]
    [InlineData("""{"a":[{"equals-ignore-case":["x"]}]}""", "$.a[0].equals-ignore-case", "equals-ignore-case: value must be a string, not an array")]
    [InlineData("""{"a":[{"exists":"true"}]}""", "$.a[0].exists", "exists: value must be true or false, not a string")]
    public void Operator_objects_are_checked(string pattern, string path, string message) =>
        AssertRejected(pattern, path, message);

    [Theory]
    [InlineData("""{"severity_id":[{"numeric":[">",5,"<",3]}]}""", "$.severity_id[0].numeric", "numeric: lower bound 5 must be below upper bound 3")]
    [InlineData("""{"severity_id":[{"numeric":[">=",5,"<=",5]}]}""", "$.severity_id[0].numeric", "numeric: lower bound 5 must be below upper bound 5")]
    [InlineData("""{"severity_id":[{"numeric":["<",3,">",1]}]}""", "$.severity_id[0].numeric", "numeric: a range is a lower bound ('>' or '>=') followed by an upper bound ('<' or '<=')")]
    [InlineData("""{"severity_id":[{"numeric":[">",1,">",3]}]}""", "$.severity_id[0].numeric", "followed by an upper bound")]
    [InlineData("""{"severity_id":[{"numeric":["=",3,"<",5]}]}""", "$.severity_id[0].numeric", "numeric: '=' cannot be combined with another comparison")]
    [InlineData("""{"severity_id":[{"numeric":["==",3]}]}""", "$.severity_id[0].numeric[0]", "numeric: unknown comparison '=='; use =, <, <=, > or >=")]
    [InlineData("""{"severity_id":[{"numeric":[3,">"]}]}""", "$.severity_id[0].numeric[0]", "numeric: unknown comparison 3")]
    [InlineData("""{"severity_id":[{"numeric":[">","3"]}]}""", "$.severity_id[0].numeric[1]", "numeric: '>' must be followed by a number, not a string")]
    [InlineData("""{"severity_id":[{"numeric":[">",1e999]}]}""", "$.severity_id[0].numeric[1]", "number 1e999 is out of range")]
    [InlineData("""{"severity_id":[{"numeric":[">",1,"<"]}]}""", "$.severity_id[0].numeric", "numeric: value must be one or two comparisons")]
    [InlineData("""{"severity_id":[{"numeric":[]}]}""", "$.severity_id[0].numeric", "numeric: value must be one or two comparisons")]
    [InlineData("""{"severity_id":[{"numeric":5}]}""", "$.severity_id[0].numeric", "numeric: value must be one or two comparisons")]
    public void Numeric_ranges_are_checked(string pattern, string path, string message) =>
        AssertRejected(pattern, path, message);

    [Theory]
    [InlineData("""{"a":[{"anything-but":null}]}""", "$.a[0].anything-but", "anything-but: value must be a string, a number, a list of either, or an operator object, not null")]
    [InlineData("""{"a":[{"anything-but":true}]}""", "$.a[0].anything-but", "not a boolean")]
    [InlineData("""{"a":[{"anything-but":[]}]}""", "$.a[0].anything-but", "anything-but: list must not be empty")]
    [InlineData("""{"a":[{"anything-but":["x",1]}]}""", "$.a[0].anything-but[1]", "anything-but: list must hold only strings or only numbers")]
    [InlineData("""{"a":[{"anything-but":["x",null]}]}""", "$.a[0].anything-but[1]", "anything-but: list values must be strings or numbers, not null")]
    [InlineData("""{"a":[{"anything-but":{"prefix":""}}]}""", "$.a[0].anything-but.prefix", "anything-but prefix: value must not be empty")]
    [InlineData("""{"a":[{"anything-but":{"prefix":["x"]}}]}""", "$.a[0].anything-but.prefix", "anything-but prefix: value must be a string, not an array")]
    [InlineData("""{"a":[{"anything-but":{"suffix":""}}]}""", "$.a[0].anything-but.suffix", "anything-but suffix: value must not be empty")]
    [InlineData("""{"a":[{"anything-but":{"numeric":[">",1]}}]}""", "$.a[0].anything-but.numeric", "anything-but: unsupported operator 'numeric'")]
    [InlineData("""{"a":[{"anything-but":{"equals-ignore-case":[]}}]}""", "$.a[0].anything-but.equals-ignore-case", "anything-but equals-ignore-case: value must be a string or a non-empty list of strings")]
    [InlineData("""{"a":[{"anything-but":{"equals-ignore-case":["x",2]}}]}""", "$.a[0].anything-but.equals-ignore-case[1]", "anything-but equals-ignore-case: value must be a string, not a number")]
    [InlineData("""{"a":[{"anything-but":{"wildcard":["ok*","bad**"]}}]}""", "$.a[0].anything-but.wildcard[1]", "anything-but wildcard: consecutive '*' characters are not allowed")]
    [InlineData("""{"a":[{"anything-but":{}}]}""", "$.a[0].anything-but", "the value of anything-but must hold exactly one operator, found 0")]
    public void Anything_but_operands_are_checked(string pattern, string path, string message) =>
        AssertRejected(pattern, path, message);

    [Theory]
    [InlineData("""{"a":[{"wildcard":"a**b"}]}""", "$.a[0].wildcard", "wildcard: consecutive '*' characters are not allowed")]
    [InlineData("""{"a":[{"wildcard":"**"}]}""", "$.a[0].wildcard", "consecutive '*'")]
    [InlineData("""{"a":[{"wildcard":"a\\b"}]}""", "$.a[0].wildcard", @"wildcard: '\' may only escape '*' or '\'")]
    [InlineData("""{"a":[{"wildcard":"ab\\"}]}""", "$.a[0].wildcard", "may only escape")]
    [InlineData("""{"a":[{"wildcard":5}]}""", "$.a[0].wildcard", "wildcard: value must be a string, not a number")]
    public void Wildcards_are_checked(string pattern, string path, string message) =>
        AssertRejected(pattern, path, message);

    [Theory]
    [InlineData("10.0.0.0", "cidr: '10.0.0.0' must be an address and a prefix length")]
    [InlineData("10.0.0.0/8/8", "must be an address and a prefix length")]
    [InlineData("10.0.0/8", "cidr: '10.0.0' is not an IPv4 or IPv6 address")]
    [InlineData("evil.example/8", "is not an IPv4 or IPv6 address")]
    [InlineData("10.0.0.0/33", "cidr: prefix length of '10.0.0.0/33' must be a whole number from 0 to 32")]
    [InlineData("10.0.0.0/-1", "must be a whole number from 0 to 32")]
    [InlineData("10.0.0.0/", "must be a whole number from 0 to 32")]
    [InlineData("10.0.0.0/+8", "must be a whole number from 0 to 32")]
    [InlineData("2001:db8::/129", "must be a whole number from 0 to 128")]
    [InlineData("10.0.0.5/24", "cidr: '10.0.0.5/24' has bits set beyond its prefix length; give the network address")]
    [InlineData("2001:db8::1/64", "has bits set beyond its prefix length")]
    public void Cidr_prefixes_are_checked(string cidr, string message) =>
        AssertRejected($$$"""{"src_endpoint":{"ip":[{"cidr":"{{{cidr}}}"}]}}""", "$.src_endpoint.ip[0].cidr", message);

    [Fact]
    public void Cidr_must_be_a_string() =>
        AssertRejected("""{"ip":[{"cidr":["10.0.0.0/8"]}]}""", "$.ip[0].cidr", "cidr: value must be a string like \"10.0.0.0/24\", not an array");

    [Theory]
    [InlineData("""{"$or":[{"a":["x"]}]}""", "$.$or", "$or must be an array of at least two patterns")]
    [InlineData("""{"$or":[]}""", "$.$or", "$or must be an array of at least two patterns")]
    [InlineData("""{"$or":{"a":["x"]}}""", "$.$or", "$or must be an array of at least two patterns")]
    [InlineData("""{"$or":[{"a":["x"]},["b"]]}""", "$.$or[1]", "$or entries must be objects, not an array")]
    [InlineData("""{"$or":[{"a":["x"]},{}]}""", "$.$or[1]", "object must have at least one field")]
    [InlineData("""{"x":{"$or":[{"a":["x"]},{"b":{"numeric":[">",1]}}]}}""", "$.x.$or[1].b.numeric", "'numeric' is an operator and cannot be a field name inside $or")]
    [InlineData("""{"$or":[{"a":["x"]},{"prefix":["y"]}]}""", "$.$or[1].prefix", "'prefix' is an operator and cannot be a field name inside $or")]
    public void Or_is_checked(string pattern, string path, string message) =>
        AssertRejected(pattern, path, message);

    [Fact]
    public void Operator_names_are_ordinary_field_names_outside_or() =>
        Assert.True(Ocsf.Matches("""{"numeric":["1"],"prefix":{"exists":["x"]}}""", """{"numeric":"1","prefix":{"exists":"x"}}"""));

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected()
    {
        var fine = new string('{', 32).Replace("{", "{\"a\":", StringComparison.Ordinal) + "[1]" + new string('}', 32);
        var tooDeep = new string('{', 33).Replace("{", "{\"a\":", StringComparison.Ordinal) + "[1]" + new string('}', 33);

        EventPattern.Parse(fine);
        var error = Ocsf.Rejects(tooDeep);

        Assert.Equal("$" + string.Concat(Enumerable.Repeat(".a", 32)), error.Path);
        Assert.Equal("pattern is nested deeper than 32 levels", error.Message);
    }

    [Fact]
    public void More_values_than_the_limit_are_rejected()
    {
        EventPattern.Parse($$"""{"a":[{{string.Join(",", Enumerable.Range(0, 1000))}}]}""");

        var error = Ocsf.Rejects($$"""{"a":[{{string.Join(",", Enumerable.Range(0, 999))}}],"b":[{"anything-but":["x"]}]}""");

        Assert.Equal("$.b[0].anything-but[0]", error.Path);
        Assert.Equal("pattern has more than 1000 values", error.Message);
    }

    [Fact]
    public void Overlong_strings_are_rejected()
    {
        var error = Ocsf.Rejects($$"""{"a":[{"prefix":"{{new string('x', 4097)}}"}]}""");

        Assert.Equal("$.a[0].prefix", error.Path);
        Assert.Equal("string is longer than 4096 bytes", error.Message);
    }

    [Fact]
    public void Compile_rejects_a_non_object_element()
    {
        using var document = JsonDocument.Parse("[1]");

        var error = Assert.Throws<PatternException>(() => EventPattern.Compile(document.RootElement));

        Assert.Equal("$", error.Path);
    }

    [Fact]
    public void Compiled_pattern_outlives_its_document()
    {
        EventPattern pattern;
        using (var document = JsonDocument.Parse("""{"disposition":["Allowed"],"url":{"url_string":[{"wildcard":"*/login"}]}}"""))
        {
            pattern = EventPattern.Compile(document.RootElement);
        }

        using var evt = JsonDocument.Parse(Ocsf.Finding);
        Assert.True(pattern.Matches(evt.RootElement));
    }

    private static void AssertRejected(string pattern, string path, string message)
    {
        var error = Ocsf.Rejects(pattern);

        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
