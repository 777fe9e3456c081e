using System.Text;
using SecurityCoach.Notifications;

namespace SecurityCoach.Tests.Notifications;

/// <summary>Event values are escaped for the chat's markup; the campaign's own tip text keeps its formatting.</summary>
public sealed class ChatEscapingTests
{
    [Fact]
    public void Slack_escapes_its_three_control_characters_as_html_entities() =>
        Assert.Equal("&lt;!channel&gt; &lt;https://evil.example|Reset&gt; &amp;amp; *b* _i_", ChatEscaping.Slack("<!channel> <https://evil.example|Reset> &amp; *b* _i_"));

    [Fact]
    public void Teams_escapes_every_markdown_metacharacter_with_a_backslash() =>
        Assert.Equal(
            @"\[Reset password\]\(https://evil\.example\) \*b\* \_i\_ \`c\` \# \+ \- \! \| \{ \} \< \> \\",
            ChatEscaping.Teams(@"[Reset password](https://evil.example) *b* _i_ `c` # + - ! | { } < > \"));

    [Fact]
    public void Text_without_metacharacters_is_unchanged()
    {
        Assert.Equal("jdoe opened a page", ChatEscaping.Slack("jdoe opened a page"));
        Assert.Equal("jdoe opened a page", ChatEscaping.Teams("jdoe opened a page"));
    }

    [Fact]
    public void A_templated_message_escapes_only_the_values_from_the_event()
    {
        var message = ChannelTestKit.Templated(new CoachingTip("*Careful*", "<https://intranet.acme.example|Report it>: {{file.name}}"), """{"file":{"name":"<!here>"}}""");

        var tip = message.FormattedTip(ChatEscaping.Slack);

        Assert.Equal("*Careful*", tip.Title);
        Assert.Equal("<https://intranet.acme.example|Report it>: &lt;!here&gt;", tip.Body);
    }

    [Fact]
    public void A_message_without_a_template_is_text_and_escaped_whole()
    {
        // E.g. a failure alert naming the vendor's user string, or a tip a workflow built itself from event values.
        var message = new CoachingMessage("c0ffee", "acme", "<!channel>", "phishing", "evt-1", new CoachingTip("Coaching of <!channel> failed", "[x](https://evil.example)"), Encoding.UTF8.GetBytes("{}"));

        var tip = message.FormattedTip(ChatEscaping.Teams);

        Assert.Equal(@"Coaching of \<\!channel\> failed", tip.Title);
        Assert.Equal(@"\[x\]\(https://evil\.example\)", tip.Body);
    }
}
