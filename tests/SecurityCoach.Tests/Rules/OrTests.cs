namespace SecurityCoach.Tests.Rules;

public sealed class OrTests
{
    private const string RootOr = """
        {
          "class_uid": [2004],
          "$or": [
            { "severity_id": [{ "numeric": [">=", 5] }] },
            { "finding_info": { "types": ["Malware"] } }
          ]
        }
        """;

    [Theory]
    [InlineData("""{"class_uid":2004,"severity_id":5,"finding_info":{"types":["Spam"]}}""", true)]
    [InlineData("""{"class_uid":2004,"severity_id":1,"finding_info":{"types":["Malware"]}}""", true)]
    [InlineData("""{"class_uid":2004,"severity_id":6,"finding_info":{"types":["Malware"]}}""", true)]
    [InlineData("""{"class_uid":2004,"severity_id":1,"finding_info":{"types":["Spam"]}}""", false)]
    [InlineData("""{"class_uid":3002,"severity_id":6,"finding_info":{"types":["Malware"]}}""", false)]
    [InlineData("""{"class_uid":2004}""", false)]
    public void Or_at_the_root_needs_the_other_fields_and_one_alternative(string evt, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(RootOr, evt));

    [Theory]
    [InlineData("""{"actor":{"user":{"name":"jdoe"}}}""", true)]
    [InlineData("""{"actor":{"user":{"email_addr":"JDoe@Example.com"}}}""", true)]
    [InlineData("""{"actor":{"user":{"name":"asmith","email_addr":"asmith@example.com"}}}""", false)]
    [InlineData("""{"actor":{"process":{"name":"jdoe"}}}""", false)]
    public void Or_inside_a_nested_object_applies_to_that_object(string evt, bool expected)
    {
        const string Pattern = """
            {"actor":{"user":{"$or":[
              {"name":["jdoe"]},
              {"email_addr":[{"equals-ignore-case":"jdoe@example.com"}]}
            ]}}}
            """;

        Assert.Equal(expected, Ocsf.Matches(Pattern, evt));
    }

    [Theory]
    [InlineData("""{"source":"edr","severity_id":5,"disposition":"Allowed"}""", true)]
    [InlineData("""{"source":"edr","severity_id":5,"disposition":"Blocked","is_alert":true}""", true)]
    [InlineData("""{"source":"edr","severity_id":5,"disposition":"Blocked","is_alert":false}""", false)]
    [InlineData("""{"source":"edr","severity_id":1,"disposition":"Allowed"}""", false)]
    [InlineData("""{"source":"email","user_key":"jdoe"}""", true)]
    public void Or_alternatives_can_nest_further_ors(string evt, bool expected)
    {
        const string Pattern = """
            {"$or":[
              {"source":["edr"],"severity_id":[{"numeric":[">",4]}],"$or":[
                {"disposition":["Allowed"]},
                {"is_alert":[true]}
              ]},
              {"source":["email"]}
            ]}
            """;

        Assert.Equal(expected, Ocsf.Matches(Pattern, evt));
    }

    [Fact]
    public void Or_alternative_with_exists_false_matches_an_event_without_the_field()
    {
        const string Pattern = """{"$or":[{"severity":[{"exists":false}]},{"severity":["Low"]}]}""";

        Assert.True(Ocsf.Matches(Pattern, """{"disposition":"Allowed"}"""));
        Assert.True(Ocsf.Matches(Pattern, """{"severity":"Low"}"""));
        Assert.False(Ocsf.Matches(Pattern, """{"severity":"High"}"""));
    }

    [Fact]
    public void Or_inside_objects_of_an_event_array_holds_per_element()
    {
        const string Pattern = """{"observables":{"type_id":[2],"$or":[{"value":["10.1.2.3"]},{"name":["hostname"]}]}}""";

        Assert.True(Ocsf.Matches(Pattern));
        Assert.False(Ocsf.Matches(Pattern, """{"observables":[{"type_id":2,"value":"8.8.8.8"},{"type_id":6,"name":"hostname"}]}"""));
    }
}
