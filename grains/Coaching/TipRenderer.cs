using System.Text;
using System.Text.Json;

namespace SecurityCoach.Coaching;

/// <summary>
/// Fills a tip's placeholders from the normalized event: <c>{{url.url_string}}</c>, <c>{{actor.user.name}}</c>,
/// <c>{{finding_info.title}}</c>. A path that the event does not have renders as nothing, so a tip written for
/// several vendors still reads well when one of them lacks a field.
/// </summary>
public static class TipRenderer
{
    public static CoachingTip Render(CoachingTip tip, ReadOnlySpan<byte> eventJson)
    {
        if (!tip.Title.Contains("{{", StringComparison.Ordinal) && !tip.Body.Contains("{{", StringComparison.Ordinal))
        {
            return tip;
        }

        var reader = new Utf8JsonReader(eventJson, new JsonReaderOptions { MaxDepth = SecurityEvent.MaxJsonDepth });
        using var document = JsonDocument.ParseValue(ref reader);
        return new CoachingTip(Render(tip.Title, document.RootElement), Render(tip.Body, document.RootElement));
    }

    public static string Render(string template, JsonElement evt)
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
                AppendValue(output, value);
            }

            position = end + 2;
            start = template.IndexOf("{{", position, StringComparison.Ordinal);
        }

        output.Append(template, position, template.Length - position);
        return output.ToString();
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

    private static void AppendValue(StringBuilder output, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                output.Append(value.GetString());
                break;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                output.Append(value.GetRawText());
                break;
            case JsonValueKind.Array:
                // A list of categories or types reads best joined.
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Append(", ");
                    }

                    AppendValue(output, item);
                    first = false;
                }

                break;
        }
    }
}
