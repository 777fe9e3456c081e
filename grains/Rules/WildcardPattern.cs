using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SecurityCoach.Rules;

/// <summary>
/// An EventBridge wildcard: <c>*</c> stands for any run of characters (possibly empty), <c>\*</c> for a star and
/// <c>\\</c> for a backslash. Kept as the literal parts between the stars, in UTF-8.
/// </summary>
internal sealed class WildcardPattern
{
    // "a*b*c" is { "a", "b", "c" }; "*a" is { "", "a" }; a pattern without stars is one part.
    private readonly byte[][] _parts;
    private readonly int _minLength;

    private WildcardPattern(byte[][] parts)
    {
        _parts = parts;
        _minLength = parts.Sum(p => p.Length);
    }

    public static bool TryParse(
        string text,
        [NotNullWhen(true)] out WildcardPattern? pattern,
        [NotNullWhen(false)] out string? problem)
    {
        var parts = new List<byte[]>();
        problem = Split(text, parts);
        if (problem is not null)
        {
            pattern = null;
            return false;
        }

        pattern = new WildcardPattern([.. parts]);
        return true;
    }

    public bool IsMatch(ReadOnlySpan<byte> value)
    {
        if (value.Length < _minLength)
        {
            return false;
        }

        var first = _parts[0].AsSpan();
        if (_parts.Length == 1)
        {
            return value.SequenceEqual(first);
        }

        var last = _parts[^1].AsSpan();
        if (!value.StartsWith(first) || !value.EndsWith(last))
        {
            return false;
        }

        // With the ends pinned, taking each middle part at its leftmost position leaves the most room for the
        // rest, so one pass decides the match (stars are the only metacharacter).
        var rest = value[first.Length..^last.Length];
        for (var i = 1; i < _parts.Length - 1; i++)
        {
            var part = _parts[i].AsSpan();
            var at = rest.IndexOf(part);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + part.Length)..];
        }

        return true;
    }

    private static string? Split(string text, List<byte[]> parts)
    {
        var literal = new StringBuilder();
        var previousWasStar = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '*')
            {
                if (previousWasStar)
                {
                    // EventBridge rejects these: they match nothing more than one star does.
                    return "consecutive '*' characters are not allowed";
                }

                parts.Add(Encoding.UTF8.GetBytes(literal.ToString()));
                literal.Clear();
                previousWasStar = true;
                continue;
            }

            previousWasStar = false;
            if (c == '\\')
            {
                if (i + 1 == text.Length || (text[i + 1] != '*' && text[i + 1] != '\\'))
                {
                    return @"'\' may only escape '*' or '\'";
                }

                c = text[++i];
            }

            literal.Append(c);
        }

        parts.Add(Encoding.UTF8.GetBytes(literal.ToString()));
        return null;
    }
}
