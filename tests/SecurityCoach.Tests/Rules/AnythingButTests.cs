namespace SecurityCoach.Tests.Rules;

public sealed class AnythingButTests
{
    [Theory]
    [InlineData("""{"disposition":[{"anything-but":"Blocked"}]}""", true)]
    [InlineData("""{"disposition":[{"anything-but":"Allowed"}]}""", false)]
    [InlineData("""{"disposition":[{"anything-but":"allowed"}]}""", true)]
    [InlineData("""{"disposition":[{"anything-but":["Blocked","Quarantined"]}]}""", true)]
    [InlineData("""{"disposition":[{"anything-but":["Blocked","Allowed"]}]}""", false)]
    public void Anything_but_string_matches_every_other_string(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"severity_id":[{"anything-but":5}]}""", true)]
    [InlineData("""{"severity_id":[{"anything-but":4}]}""", false)]
    [InlineData("""{"severity_id":[{"anything-but":4.0}]}""", false)]
    [InlineData("""{"severity_id":[{"anything-but":[1,2,3]}]}""", true)]
    [InlineData("""{"severity_id":[{"anything-but":[3,4e0,5]}]}""", false)]
    public void Anything_but_number_matches_every_other_number(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"severity_id":[{"anything-but":"4"}]}""", true)]
    [InlineData("""{"disposition":[{"anything-but":[1,2]}]}""", true)]
    [InlineData("""{"is_alert":[{"anything-but":"true"}]}""", true)]
    [InlineData("""{"confidence":[{"anything-but":"null"}]}""", true)]
    [InlineData("""{"confidence":[{"anything-but":{"prefix":"n"}}]}""", true)]
    public void Anything_but_lets_values_of_other_types_through(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"severity":[{"anything-but":"Low"}]}""")]
    [InlineData("""{"severity":[{"anything-but":[1,2]}]}""")]
    [InlineData("""{"severity":[{"anything-but":{"prefix":"L"}}]}""")]
    [InlineData("""{"severity":[{"anything-but":{"suffix":"w"}}]}""")]
    [InlineData("""{"severity":[{"anything-but":{"equals-ignore-case":"low"}}]}""")]
    [InlineData("""{"severity":[{"anything-but":{"wildcard":"L*"}}]}""")]
    [InlineData("""{"actor":{"session":{"uid":[{"anything-but":"x"}]}}}""")]
    [InlineData("""{"metadata":[{"anything-but":"x"}]}""")]
    public void Anything_but_does_not_match_a_missing_field_or_an_object(string pattern) =>
        Assert.False(Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"finding_info":{"types":[{"anything-but":"Malware"}]}}""", true)]
    [InlineData("""{"finding_info":{"types":[{"anything-but":["Malware","NGAV"]}]}}""", false)]
    public void Anything_but_on_an_event_array_matches_when_any_element_is_not_excluded(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"prefix":"http://"}}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"prefix":"https://"}}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"prefix":"HTTPS://"}}]}}""", true)]
    public void Anything_but_prefix_matches_strings_without_the_prefix(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"actor":{"user":{"email_addr":[{"anything-but":{"suffix":"@example.com"}}]}}}""", false)]
    [InlineData("""{"actor":{"user":{"email_addr":[{"anything-but":{"suffix":"@corp.example"}}]}}}""", true)]
    public void Anything_but_suffix_matches_strings_without_the_suffix(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"disposition":[{"anything-but":{"equals-ignore-case":"ALLOWED"}}]}""", false)]
    [InlineData("""{"disposition":[{"anything-but":{"equals-ignore-case":"blocked"}}]}""", true)]
    [InlineData("""{"disposition":[{"anything-but":{"equals-ignore-case":["blocked","allowed"]}}]}""", false)]
    [InlineData("""{"disposition":[{"anything-but":{"equals-ignore-case":["blocked","quarantined"]}}]}""", true)]
    public void Anything_but_equals_ignore_case_excludes_values_in_any_case(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"wildcard":"*/login"}}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"wildcard":"*/logout"}}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"wildcard":["*.internal/*","https://evil.*"]}}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"anything-but":{"wildcard":["*.internal/*","*/admin"]}}]}}""", true)]
    public void Anything_but_wildcard_matches_strings_no_wildcard_matches(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Fact]
    public void Anything_but_combines_with_other_matchers_of_the_field_as_or()
    {
        const string Pattern = """{"disposition":["Allowed",{"anything-but":["Allowed","Blocked"]}]}""";

        Assert.True(Ocsf.Matches(Pattern, """{"disposition":"Allowed"}"""));
        Assert.True(Ocsf.Matches(Pattern, """{"disposition":"Quarantined"}"""));
        Assert.False(Ocsf.Matches(Pattern, """{"disposition":"Blocked"}"""));
    }
}
