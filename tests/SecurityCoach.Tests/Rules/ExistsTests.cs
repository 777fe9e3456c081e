namespace SecurityCoach.Tests.Rules;

public sealed class ExistsTests
{
    [Theory]
    [InlineData("""{"disposition":[{"exists":true}]}""", true)]
    [InlineData("""{"severity_id":[{"exists":true}]}""", true)]
    [InlineData("""{"status_detail":[{"exists":true}]}""", true)]
    [InlineData("""{"is_alert":[{"exists":true}]}""", true)]
    [InlineData("""{"finding_info":{"types":[{"exists":true}]}}""", true)]
    [InlineData("""{"severity":[{"exists":true}]}""", false)]
    [InlineData("""{"actor":{"session":[{"exists":true}]}}""", false)]
    public void Exists_true_matches_a_present_leaf_value(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Fact]
    public void Exists_true_matches_a_null_value_because_the_field_is_present() =>
        Assert.True(Ocsf.Matches("""{"confidence":[{"exists":true}]}"""));

    [Theory]
    [InlineData("""{"severity":[{"exists":false}]}""", true)]
    [InlineData("""{"actor":{"session":{"uid":[{"exists":false}]}}}""", true)]
    [InlineData("""{"process":{"file":{"name":[{"exists":false}]}}}""", true)]
    [InlineData("""{"disposition":[{"exists":false}]}""", false)]
    [InlineData("""{"confidence":[{"exists":false}]}""", false)]
    [InlineData("""{"status_detail":[{"exists":false}]}""", false)]
    public void Exists_false_matches_only_when_the_field_is_absent(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"metadata":[{"exists":true}]}""", false)]
    [InlineData("""{"metadata":[{"exists":false}]}""", true)]
    [InlineData("""{"observables":[{"exists":true}]}""", false)]
    public void Exists_looks_at_leaf_values_only_not_at_objects(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"observables":{"uid":[{"exists":false}]}}""", true)]
    [InlineData("""{"observables":{"name":[{"exists":false}]}}""", false)]
    [InlineData("""{"observables":{"type_id":[6],"value":[{"exists":false}]}}""", false)]
    public void Exists_false_inside_an_event_array_of_objects_holds_per_element(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Fact]
    public void Exists_false_combines_with_other_fields()
    {
        const string Pattern = """{"disposition":["Allowed"],"actor":{"user":{"mfa":[{"exists":false}]}}}""";

        Assert.True(Ocsf.Matches(Pattern));
        Assert.False(Ocsf.Matches(Pattern, """{"disposition":"Allowed","actor":{"user":{"mfa":false}}}"""));
    }

    [Fact]
    public void Exists_false_or_a_value_accepts_either()
    {
        const string Pattern = """{"severity":[{"exists":false},"Low"]}""";

        Assert.True(Ocsf.Matches(Pattern, """{}"""));
        Assert.True(Ocsf.Matches(Pattern, """{"severity":"Low"}"""));
        Assert.False(Ocsf.Matches(Pattern, """{"severity":"High"}"""));
    }
}
