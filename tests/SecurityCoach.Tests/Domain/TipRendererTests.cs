using System.Text;
using SecurityCoach.Coaching;

namespace SecurityCoach.Tests.Domain;

public sealed class TipRendererTests
{
    private static readonly byte[] Event = Encoding.UTF8.GetBytes("""
        {"severity_id":4,"url":{"url_string":"https://evil.example/x","categories":["Phishing","Newly Registered"]},
         "actor":{"user":{"name":"jdoe"}},"finding_info":{"title":"Credential phish"}}
        """);

    [Fact]
    public void Placeholders_are_filled_from_the_event()
    {
        var tip = TipRenderer.Render(new CoachingTip("Hi {{actor.user.name}}", "You opened {{ url.url_string }} (severity {{severity_id}}): {{url.categories}}."), Event);

        Assert.Equal("Hi jdoe", tip.Title);
        Assert.Equal("You opened https://evil.example/x (severity 4): Phishing, Newly Registered.", tip.Body);
    }

    [Fact]
    public void An_escaper_is_applied_to_the_values_from_the_event_only()
    {
        var tip = TipRenderer.Render(new CoachingTip("*{{actor.user.name}}*", "<{{url.url_string}}> {{severity_id}} {{url.categories}}"), Event, value => $"({value})");

        Assert.Equal("*(jdoe)*", tip.Title);
        Assert.Equal("<(https://evil.example/x)> (4) (Phishing), (Newly Registered)", tip.Body);
    }

    [Fact]
    public void A_path_the_event_lacks_renders_as_nothing() =>
        Assert.Equal("File:  end", TipRenderer.Render(new CoachingTip("t", "File: {{file.name}} end"), Event).Body);

    [Fact]
    public void A_tip_without_placeholders_is_returned_as_is()
    {
        var tip = new CoachingTip("Plain", "No braces here");
        Assert.Same(tip, TipRenderer.Render(tip, Event));
    }

    [Fact]
    public void An_unclosed_placeholder_is_left_as_text() =>
        Assert.Equal("Oops {{url", TipRenderer.Render(new CoachingTip("Oops {{url", "b"), Event).Title);

    [Fact]
    public void A_placeholder_repeated_over_a_large_field_renders_to_at_most_the_limit_ending_with_an_ellipsis()
    {
        var large = Encoding.UTF8.GetBytes($$"""{"a":"{{new string('x', 100_000)}}","list":["{{new string('y', 5_000)}}","{{new string('z', 5_000)}}"]}""");
        var template = string.Concat(Enumerable.Repeat("{{a}}", 800));

        var tip = TipRenderer.Render(new CoachingTip("{{list}}", template), large);

        Assert.Equal(TipRenderer.MaxRenderedLength, tip.Body.Length);
        Assert.EndsWith("x…", tip.Body, StringComparison.Ordinal);
        Assert.Equal(TipRenderer.MaxRenderedLength, tip.Title.Length);
        Assert.StartsWith(new string('y', 5_000) + ", z", tip.Title, StringComparison.Ordinal);
    }
}
