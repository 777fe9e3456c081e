namespace SecurityCoach.Tests.Rules;

public sealed class ArrayAndNestingTests
{
    [Theory]
    [InlineData("""{"finding_info":{"types":["Malware"]}}""", true)]
    [InlineData("""{"finding_info":{"types":["NGAV"]}}""", true)]
    [InlineData("""{"finding_info":{"types":["Phishing","NGAV"]}}""", true)]
    [InlineData("""{"finding_info":{"types":["Phishing"]}}""", false)]
    [InlineData("""{"finding_info":{"types":[{"prefix":"NG"}]}}""", true)]
    public void Event_array_matches_when_any_element_matches(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"observables":{"type_id":[2],"value":["10.1.2.3"]}}""")]
    [InlineData("""{"observables":{"name":["url"],"value":[{"prefix":"https://"}]}}""")]
    [InlineData("""{"observables":{"type_id":[6]}}""")]
    public void Pattern_object_matches_an_object_inside_an_event_array(string pattern) =>
        Assert.True(Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"observables":{"type_id":[6],"value":["10.1.2.3"]}}""")]
    [InlineData("""{"observables":{"name":["url"],"type_id":[2]}}""")]
    public void Fields_of_one_pattern_object_must_all_match_the_same_array_element(string pattern) =>
        Assert.False(Ocsf.Matches(pattern));

    [Fact]
    public void Nested_event_arrays_are_flattened()
    {
        const string Evt = """{"tags":[["a","b"],[["c"]]],"hosts":[[{"name":"db1"}],[{"name":"web1"}]]}""";

        Assert.True(Ocsf.Matches("""{"tags":["c"]}""", Evt));
        Assert.True(Ocsf.Matches("""{"hosts":{"name":["web1"]}}""", Evt));
        Assert.False(Ocsf.Matches("""{"tags":["d"]}""", Evt));
    }

    [Theory]
    [InlineData("""{"tags":[]}""")]
    [InlineData("""{"tags":[[]]}""")]
    [InlineData("""{}""")]
    public void Empty_event_array_holds_no_value(string evt)
    {
        Assert.False(Ocsf.Matches("""{"tags":["a"]}""", evt));
        Assert.False(Ocsf.Matches("""{"tags":[{"exists":true}]}""", evt));
        Assert.True(Ocsf.Matches("""{"tags":[{"exists":false}]}""", evt));
    }

    [Theory]
    [InlineData("""{"src_endpoint":"10.1.2.3"}""")]
    [InlineData("""{"src_endpoint":null}""")]
    [InlineData("""{"src_endpoint":["10.1.2.3"]}""")]
    [InlineData("""{"other":{"ip":"10.1.2.3"}}""")]
    public void Nested_pattern_does_not_match_where_the_event_has_no_object(string evt) =>
        Assert.False(Ocsf.Matches("""{"src_endpoint":{"ip":["10.1.2.3"]}}""", evt));

    [Theory]
    [InlineData("""{"src_endpoint":{"ip":["10.1.2.3"]}}""", """{"src_endpoint":{"ip":{"v4":"10.1.2.3"}}}""")]
    [InlineData("""{"metadata":["abc"]}""", Ocsf.Finding)]
    public void Leaf_pattern_does_not_match_an_object_value(string pattern, string evt) =>
        Assert.False(Ocsf.Matches(pattern, evt));

    [Fact]
    public void Deeply_nested_fields_are_reached()
    {
        const string Pattern = """{"a":{"b":{"c":{"d":{"e":{"f":["deep"]}}}}}}""";

        Assert.True(Ocsf.Matches(Pattern, """{"a":{"b":{"c":{"d":{"e":{"f":"deep"}}}}}}"""));
        Assert.False(Ocsf.Matches(Pattern, """{"a":{"b":{"c":{"d":{"e":{"f":"shallow"}}}}}}"""));
    }

    [Fact]
    public void Field_names_with_dots_are_not_paths()
    {
        Assert.True(Ocsf.Matches("""{"src_endpoint.ip":["10.1.2.3"]}""", """{"src_endpoint.ip":"10.1.2.3"}"""));
        Assert.False(Ocsf.Matches("""{"src_endpoint.ip":["10.1.2.3"]}"""));
    }
}
