namespace SecurityCoach.Tests.Rules;

public sealed class ExactMatchTests
{
    [Theory]
    [InlineData("""{"disposition":["Allowed"]}""")]
    [InlineData("""{"disposition":["Blocked","Allowed"]}""")]
    [InlineData("""{"metadata":{"product":{"vendor_name":["CrowdStrike"],"name":["Falcon"]}}}""")]
    [InlineData("""{"class_uid":[2004],"disposition":["Allowed"],"actor":{"user":{"name":["jdoe"]}}}""")]
    [InlineData("""{"tenant_id":["acme"],"user_key":["jdoe@example.com"]}""")]
    public void Exact_values_match_when_every_field_has_one_equal_value(string pattern) =>
        Assert.True(Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"disposition":["allowed"]}""")]
    [InlineData("""{"disposition":["Allowed "]}""")]
    [InlineData("""{"disposition":["Allow"]}""")]
    [InlineData("""{"disposition":["Allowed"],"class_uid":[2005]}""")]
    [InlineData("""{"metadata":{"product":{"name":["Falcon"],"vendor_name":["SentinelOne"]}}}""")]
    [InlineData("""{"actor":{"user":{"department":["Finance"]}}}""")]
    [InlineData("""{"process":{"name":["powershell.exe"]}}""")]
    public void Exact_values_do_not_match_other_text_or_missing_fields(string pattern) =>
        Assert.False(Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"severity_id":[4]}""", true)]
    [InlineData("""{"severity_id":[4.0]}""", true)]
    [InlineData("""{"severity_id":[0.4e1]}""", true)]
    [InlineData("""{"severity_id":[5]}""", false)]
    [InlineData("""{"risk_score":[72.5]}""", true)]
    [InlineData("""{"risk_score":[725e-1]}""", true)]
    [InlineData("""{"time":[1700000000000]}""", true)]
    [InlineData("""{"time":[1.7e12]}""", true)]
    public void Numbers_match_by_value_not_by_spelling(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"count":[300]}""", """{"count":300.0}""")]
    [InlineData("""{"count":[300]}""", """{"count":3e2}""")]
    [InlineData("""{"count":[3.0e2]}""", """{"count":300}""")]
    [InlineData("""{"count":[-0.5]}""", """{"count":-5E-1}""")]
    public void Number_in_pattern_matches_any_spelling_of_it_in_the_event(string pattern, string evt) =>
        Assert.True(Ocsf.Matches(pattern, evt));

    [Theory]
    [InlineData("""{"count":[300]}""", """{"count":"300"}""")]
    [InlineData("""{"count":["300"]}""", """{"count":300}""")]
    [InlineData("""{"flag":[true]}""", """{"flag":"true"}""")]
    [InlineData("""{"flag":["true"]}""", """{"flag":true}""")]
    [InlineData("""{"flag":[1]}""", """{"flag":true}""")]
    [InlineData("""{"value":[null]}""", """{"value":"null"}""")]
    public void Values_match_only_values_of_the_same_JSON_type(string pattern, string evt) =>
        Assert.False(Ocsf.Matches(pattern, evt));

    [Theory]
    [InlineData("""{"id":[9007199254740993]}""", """{"id":9007199254740993}""", true)]
    [InlineData("""{"id":[9007199254740993]}""", """{"id":9007199254740992}""", false)]
    [InlineData("""{"id":[123456789012345678901]}""", """{"id":123456789012345678901}""", true)]
    public void Integers_beyond_double_precision_are_compared_exactly(string pattern, string evt, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern, evt));

    [Theory]
    [InlineData("""{"is_alert":[true]}""", true)]
    [InlineData("""{"is_alert":[false]}""", false)]
    [InlineData("""{"is_alert":[false, true]}""", true)]
    public void Booleans_match_JSON_booleans(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"confidence":[null]}""", true)]
    [InlineData("""{"status_detail":[null]}""", false)]
    [InlineData("""{"severity":[null]}""", false)]
    public void Null_matches_a_null_value_but_not_an_empty_string_or_a_missing_field(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"status_detail":[""]}""", true)]
    [InlineData("""{"confidence":[""]}""", false)]
    [InlineData("""{"severity":[""]}""", false)]
    [InlineData("""{"disposition":[""]}""", false)]
    public void Empty_string_matches_only_an_empty_string(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"url":{"url_string":["https://evil.example/login"]}}""", """{"url":{"url_string":"https:\/\/evil.example\/login"}}""")]
    [InlineData("""{"actor":{"user":{"name":["José"]}}}""", """{"actor":{"user":{"name":"Jos\u00e9"}}}""")]
    [InlineData("""{"title":["say \"hi\""]}""", """{"title":"say \"hi\""}""")]
    [InlineData("""{"title":["tab\there"]}""", """{"title":"tab\u0009here"}""")]
    public void Escaped_event_strings_match_their_unescaped_text(string pattern, string evt) =>
        Assert.True(Ocsf.Matches(pattern, evt));

    [Fact]
    public void Escaped_event_string_longer_than_the_stack_buffer_still_matches()
    {
        var text = new string('a', 600) + "/" + new string('b', 600);
        var pattern = $$"""{"path":["{{text}}"]}""";
        var evt = $$"""{"path":"{{text.Replace("/", "\\/", StringComparison.Ordinal)}}"}""";

        Assert.True(Ocsf.Matches(pattern, evt));
    }

    [Fact]
    public void Escaped_field_names_in_the_pattern_and_event_are_compared_unescaped() =>
        Assert.True(Ocsf.Matches("""{"user\u005fkey":["jdoe@example.com"]}""", """{"user_k\u0065y":"jdoe@example.com"}"""));

    [Fact]
    public void Many_exact_values_are_all_found()
    {
        var values = Enumerable.Range(0, 200).Select(i => $"\"user{i}@example.com\"");
        var pattern = $$"""{"user_key":[{{string.Join(",", values)}}]}""";

        Assert.True(Ocsf.Matches(pattern, """{"user_key":"user0@example.com"}"""));
        Assert.True(Ocsf.Matches(pattern, """{"user_key":"user137@example.com"}"""));
        Assert.True(Ocsf.Matches(pattern, """{"user_key":"user199@example.com"}"""));
        Assert.False(Ocsf.Matches(pattern, """{"user_key":"user200@example.com"}"""));
        Assert.False(Ocsf.Matches(pattern, """{"user_key":"user1@example.co"}"""));
    }

    [Fact]
    public void Non_object_events_never_match() =>
        Assert.False(Ocsf.Matches("""{"x":[{"exists":false}]}""", "[]"));
}
