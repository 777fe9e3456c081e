using System.Text;
using System.Text.Json;

namespace SecurityCoach.Coaching;

/// <summary>
/// Fills a tip's placeholders from the normalized event: <c>{{url.url_string}}</c>, <c>{{actor.user.name}}</c>,
/// <c>{{finding_info.title}}</c>. A path that the event does not have renders as nothing, so a tip written for
/// several vendors still reads well when one of them lacks a field. An escaper, when given, is applied to the values
/// from the event only: they come from the vendor and may hold markup, while the template is the tenant's own text.
/// </summary>
public static class TipRenderer
{
    /// <summary>
    /// Characters a rendered title or body may have: a placeholder repeated through a 4,000-character tip over a large
    /// event field rendered to about 100 MB. Past it the text is cut and ends with "…".
    /// </summary>
    public const int MaxRenderedLength = 8_000;

    public static CoachingTip Render(CoachingTip tip, ReadOnlySpan<byte> eventJson, Func<string, string>? escapeValue = null)
    {
        if (!tip.Title.Contains("{{", StringComparison.Ordinal) && !tip.Body.Contains("{{", StringComparison.Ordinal))
        {
            return tip;
        }

        var reader = new Utf8JsonReader(eventJson, new JsonReaderOptions { MaxDepth = SecurityEvent.MaxJsonDepth });
        using var document = JsonDocument.ParseValue(ref reader);
        return new CoachingTip(Render(tip.Title, document.RootElement, escapeValue), Render(tip.Body, document.RootElement, escapeValue));
    }

    public static string Render(string template, JsonElement evt, Func<string, string>? escapeValue = null)
    {
        var start = template.IndexOf("{{", StringComparison.Ordinal);
        if (start < 0)
        {
            return template;
        }

        var output = new StringBuilder(template.Length + 64);
        var position = 0;
        while (start >= 0)
        {
            var end = template.IndexOf("}}", start + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            output.Append(template, position, start - position);
            var path = template.AsSpan(start + 2, end - start - 2).Trim();
            if (TryResolve(evt, path, out var value))
            {
                AppendValue(output, value, escapeValue);
            }

            position = end + 2;
            if (output.Length >= MaxRenderedLength)
            {
                return Cut(output);
            }

            start = template.IndexOf("{{", position, StringComparison.Ordinal);
        }

        output.Append(template, position, template.Length - position);
        return output.Length > MaxRenderedLength ? Cut(output) : output.ToString();
    }

    private static string Cut(StringBuilder output)
    {
        output.Length = MaxRenderedLength - 1;
        return output.Append('…').ToString();
    }

    private static bool TryResolve(JsonElement root, ReadOnlySpan<char> path, out JsonElement value)
    {
        value = root;
        foreach (var range in path.Split('.'))
        {
            var name = path[range];
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
            {
                return false;
            }
        }

        return true;
    }

    private static void AppendValue(StringBuilder output, JsonElement value, Func<string, string>? escapeValue)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                // One value never adds more than the whole text may hold.
                var text = value.GetString()!;
                if (escapeValue is not null)
                {
                    text = escapeValue(text);
                }

                output.Append(text, 0, Math.Min(text.Length, Math.Max(0, MaxRenderedLength - output.Length + 1)));
                break;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                var raw = value.GetRawText();
                output.Append(escapeValue is null ? raw : escapeValue(raw));
                break;
            case JsonValueKind.Array:
                // A list of categories or types reads best joined.
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (output.Length > MaxRenderedLength)
                    {
                        break;
                    }

                    if (!first)
                    {
                        output.Append(", ");
                    }

                    AppendValue(output, item, escapeValue);
                    first = false;
                }

                break;
        }
    }
}
