using System.Text;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api.Http;

/// <summary>One alias read from CSV, with the line it came from (counted from 1, the header included).</summary>
public readonly record struct CsvAlias(UserAlias Alias, int Line);

/// <summary>
/// The alias table as CSV (<c>text/csv</c>): a header <c>identity,user</c> (any case), then one alias per line. Fields
/// may be quoted as RFC 4180 says (<c>"a,b"</c>, <c>""</c> for a quote); blank lines are skipped; a leading UTF-8
/// byte-order mark is ignored; line breaks may be LF or CRLF. A value a spreadsheet would run as a formula (starting
/// with <c>= + - @</c>, tab or CR) is written behind a single quote and quoted, as OWASP's CSV-injection guidance says;
/// so that the quote survives a round trip, a value starting with a quote is written behind one more, and a read drops
/// one leading quote before any of those characters.
/// </summary>
public static class AliasCsv
{
    public const string Header = "identity,user";

    private const string FormulaStarts = "=+-@\t\r";

    /// <summary>The rows of a CSV table; adds an error naming the line for a missing header or a line without exactly two fields.</summary>
    public static List<CsvAlias> Parse(ReadOnlySpan<byte> csv, List<FieldError> errors)
    {
        if (csv.StartsWith("\uFEFF"u8))
        {
            csv = csv[3..];
        }

        var rows = new List<CsvAlias>();
        var sawHeader = false;
        var lineNumber = 0;
        Span<Range> fields = stackalloc Range[3];
        while (!csv.IsEmpty)
        {
            lineNumber++;
            var end = csv.IndexOf((byte)'\n');
            var line = (end < 0 ? csv : csv[..end]).TrimEnd("\r"u8);
            csv = end < 0 ? [] : csv[(end + 1)..];
            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            var count = CsvLine.Split(line, fields);
            var first = Text(line, fields[..count], 0);
            var second = Text(line, fields[..count], 1);
            if (!sawHeader)
            {
                if (count != 2 || !first.Equals("identity", StringComparison.OrdinalIgnoreCase) || !second.Equals("user", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new FieldError($"line {lineNumber}", $"expected the header {Header}"));
                    return rows;
                }

                sawHeader = true;
                continue;
            }

            if (count != 2)
            {
                errors.Add(new FieldError($"line {lineNumber}", count < 2
                    ? "expected two fields, identity and user"
                    : "expected two fields, identity and user, but there are more (quote a value that holds a comma)"));
                continue;
            }

            rows.Add(new CsvAlias(new UserAlias(first, second), lineNumber));
        }

        if (!sawHeader)
        {
            errors.Add(new FieldError("line 1", $"expected the header {Header}"));
        }

        return rows;
    }

    /// <summary>The table as CSV, with the header; a value with a comma, quote, line break or edge spaces is quoted, a formula escaped.</summary>
    public static string Write(IEnumerable<UserAlias> aliases)
    {
        var text = new StringBuilder(Header).Append("\r\n");
        foreach (var alias in aliases)
        {
            AppendField(text, alias.Identity).Append(',');
            AppendField(text, alias.User).Append("\r\n");
        }

        return text.ToString();
    }

    /// <summary>A field's text, trimmed; spaces around a quoted value (<c>a, "b"</c>) are dropped before its quotes.</summary>
    private static string Text(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int index)
    {
        if (index >= fields.Length)
        {
            return "";
        }

        var (offset, length) = fields[index].GetOffsetAndLength(line.Length);
        var field = line.Slice(offset, length);
        var start = offset + (field.Length - field.TrimStart(" \t"u8).Length);
        var trimmed = start..(offset + field.TrimEnd(" \t"u8).Length);
        if (trimmed.End.Value < start)
        {
            return "";
        }

        var text = Encoding.UTF8.GetString(CsvLine.Field(line, [trimmed], 0)).Trim();
        return IsEscaped(text) ? text[1..] : text;
    }

    private static StringBuilder AppendField(StringBuilder text, string value)
    {
        var escape = value.Length > 0 && (FormulaStarts.Contains(value[0], StringComparison.Ordinal) || value[0] == '\'');
        var quote = escape || value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value.Trim().Length != value.Length;
        var field = (escape ? "'" + value : value).Replace("\"", "\"\"", StringComparison.Ordinal);
        return quote ? text.Append('"').Append(field).Append('"') : text.Append(field);
    }

    private static bool IsEscaped(string text) =>
        text.Length > 1 && text[0] == '\'' && (FormulaStarts.Contains(text[1], StringComparison.Ordinal) || text[1] == '\'');
}
