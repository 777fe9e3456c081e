using System.Text;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// One CSV line split in place: RFC 4180 quoting (a quoted field may hold commas, and <c>""</c> for a quote), no
/// line breaks inside fields (each log line is one record).
/// </summary>
internal static class CsvLine
{
    /// <summary>Fills <paramref name="fields"/> with the ranges of the line's fields (quotes included); returns how many.</summary>
    public static int Split(ReadOnlySpan<byte> line, Span<Range> fields)
    {
        var count = 0;
        var i = 0;
        while (count < fields.Length)
        {
            var start = i;
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    i++;
                }
            }

            var comma = line[i..].IndexOf((byte)',');
            i = comma < 0 ? line.Length : i + comma;
            fields[count++] = start..i;
            if (i >= line.Length)
            {
                break;
            }

            i++;
            if (i == line.Length && count < fields.Length)
            {
                fields[count++] = i..i;
            }
        }

        return count;
    }

    /// <summary>A field's text without its quotes; an escaped quote (<c>""</c>) is decoded, at the cost of a copy.</summary>
    public static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int index)
    {
        if (index >= fields.Length)
        {
            return [];
        }

        var field = line[fields[index]];
        if (field.Length < 2 || field[0] != '"' || field[^1] != '"')
        {
            return field;
        }

        field = field[1..^1];
        return field.IndexOf("\"\""u8) < 0 ? field : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(field).Replace("\"\"", "\"", StringComparison.Ordinal));
    }
}
