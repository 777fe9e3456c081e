namespace SecurityCoach.Tests.Rules;

public sealed class NumericTests
{
    [Theory]
    [InlineData("""[">", 0, "<=", 5]""", true)]
    [InlineData("""[">", 4, "<=", 5]""", false)]
    [InlineData("""[">=", 4, "<", 5]""", true)]
    [InlineData("""[">", 3, "<", 4]""", false)]
    [InlineData("""[">=", 4]""", true)]
    [InlineData("""[">", 4]""", false)]
    [InlineData("""["<=", 4]""", true)]
    [InlineData("""["<", 4]""", false)]
    [InlineData("""["=", 4]""", true)]
    [InlineData("""["=", 4.0e0]""", true)]
    [InlineData("""["=", 3]""", false)]
    [InlineData("""[">", -1.5, "<", 4.000001]""", true)]
    public void Numeric_compares_against_open_and_closed_bounds(string comparisons, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches($$"""{"severity_id":[{"numeric":{{comparisons}}}]}"""));

    [Theory]
    [InlineData("""{"risk_score":[{"numeric":[">", 72, "<", 73]}]}""", true)]
    [InlineData("""{"risk_score":[{"numeric":[">", 72.5]}]}""", false)]
    [InlineData("""{"time":[{"numeric":[">=", 1.7e12]}]}""", true)]
    [InlineData("""{"time":[{"numeric":["<", 1700000000000]}]}""", false)]
    public void Numeric_handles_fractions_and_epoch_milliseconds(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"count":"3"}""")]
    [InlineData("""{"count":true}""")]
    [InlineData("""{"count":null}""")]
    [InlineData("""{"count":{"value":3}}""")]
    [InlineData("""{"other":3}""")]
    public void Numeric_matches_only_JSON_numbers(string evt) =>
        Assert.False(Ocsf.Matches("""{"count":[{"numeric":[">", 0]}]}""", evt));

    [Theory]
    [InlineData("""{"count":[1, 12]}""", true)]
    [InlineData("""{"count":[1, 2]}""", false)]
    public void Numeric_on_an_event_array_matches_when_any_number_is_in_range(string evt, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches("""{"count":[{"numeric":[">", 10]}]}""", evt));

    [Fact]
    public void Several_ranges_in_one_field_are_alternatives()
    {
        const string Pattern = """{"severity_id":[{"numeric":["<", 2]},{"numeric":[">=", 5]}]}""";

        Assert.True(Ocsf.Matches(Pattern, """{"severity_id":1}"""));
        Assert.True(Ocsf.Matches(Pattern, """{"severity_id":6}"""));
        Assert.False(Ocsf.Matches(Pattern, """{"severity_id":3}"""));
    }
}
