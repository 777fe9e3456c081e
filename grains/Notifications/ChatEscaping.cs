using System.Buffers;
using System.Text;

namespace SecurityCoach.Notifications;

/// <summary>
/// Escapers for text that must reach a chat as text: a value from the event (a URL or file name the vendor reported)
/// would otherwise be read as markup and could post a disguised link or ping a whole channel as the coaching bot.
/// </summary>
public static class ChatEscaping
{
    private static readonly SearchValues<char> SlackControl = SearchValues.Create("&<>");

    // Adaptive Cards in Teams read a Markdown subset; a backslash makes any of these a literal character.
    private static readonly SearchValues<char> TeamsMarkdown = SearchValues.Create(@"\`*_{}[]()#+-.!|<>");

    /// <summary>Slack mrkdwn: &amp;, &lt; and &gt; as HTML entities, the escaping Slack documents; without &lt; no link, mention or <c>&lt;!channel&gt;</c> can start.</summary>
    public static string Slack(string value)
    {
        if (value.AsSpan().IndexOfAny(SlackControl) < 0)
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            _ = c switch
            {
                '&' => escaped.Append("&amp;"),
                '<' => escaped.Append("&lt;"),
                '>' => escaped.Append("&gt;"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }

    /// <summary>Teams (Adaptive Card) Markdown: each metacharacter after a backslash.</summary>
    public static string Teams(string value)
    {
        if (value.AsSpan().IndexOfAny(TeamsMarkdown) < 0)
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (TeamsMarkdown.Contains(c))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
