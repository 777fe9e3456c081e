using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Vendor time stamps to epoch milliseconds: epoch numbers of any unit, ISO-8601 text and C <c>asctime</c> text.
/// Parsed by hand from UTF-8 because the framework's parsers take at most 7 fractional digits and need strings.
/// </summary>
internal static class VendorTime
{
    // An epoch number's unit is read from its size: seconds below 1e11 (year 5138), milliseconds below 1e14,
    // microseconds below 1e17, nanoseconds above.
    private const long MillisecondsFrom = 100_000_000_000;
    private const long MicrosecondsFrom = 100_000_000_000_000;
    private const long NanosecondsFrom = 100_000_000_000_000_000;

    private static readonly long MaxUnixMs = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

    /// <summary>An epoch number, or a string holding one, in s, ms, µs or ns. Zero and negatives mean "not set".</summary>
    public static bool TryEpoch(JsonElement value, out long unixMs)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var whole))
            {
                return TryEpoch(whole, out unixMs);
            }

            if (value.TryGetDouble(out var fractional))
            {
                return TryEpoch(fractional, out unixMs);
            }
        }

        if (value.TryGetText(out var text))
        {
            if (Utf8Parser.TryParse(text, out long whole, out var consumed) && consumed == text.Length)
            {
                return TryEpoch(whole, out unixMs);
            }

            if (Utf8Parser.TryParse(text, out double fractional, out consumed) && consumed == text.Length)
            {
                return TryEpoch(fractional, out unixMs);
            }
        }

        unixMs = 0;
        return false;
    }

    /// <summary>
    /// ISO-8601 text: <c>yyyy-MM-ddTHH:mm:ss</c>, any number of fraction digits, then Z, ±hh:mm, ±hhmm, ±hh or
    /// nothing (read as UTC).
    /// </summary>
    public static bool TryIso8601(JsonElement value, out long unixMs)
    {
        unixMs = 0;
        return value.TryGetText(out var text) && TryParseIso8601(text, out unixMs);
    }

    /// <summary>
    /// C <c>asctime</c> text as Zscaler NSS writes it, <c>Fri Dec 31 07:07:07 2021</c>: a wall-clock time read in
    /// <paramref name="zone"/>.
    /// </summary>
    public static bool TryAsctime(JsonElement value, TimeZoneInfo zone, out long unixMs)
    {
        unixMs = 0;
        if (!value.TryGetText(out var text) || !TryParseAsctime(text, out var wallClock))
        {
            return false;
        }

        unixMs = FromWallClock(wallClock, zone);
        return true;
    }

    /// <summary>
    /// PAN-OS time text, <c>2026/01/05 14:30:12</c>: a wall-clock time read in <paramref name="zone"/> (the
    /// firewall's own zone, which the log does not say).
    /// </summary>
    public static bool TryPanOs(ReadOnlySpan<byte> s, TimeZoneInfo zone, out long unixMs)
    {
        unixMs = 0;
        if (s.Length != 19 || s[4] != '/' || s[7] != '/' || s[10] != ' ' || s[13] != ':' || s[16] != ':'
            || !TryDigits(s[..4], out var year) || !TryDigits(s[5..7], out var month) || !TryDigits(s[8..10], out var day)
            || !TryDigits(s[11..13], out var hour) || !TryDigits(s[14..16], out var minute)
            || !TryDigits(s[17..19], out var second)
            || !TryUnixMs(year, month, day, hour, minute, second, out var wallClock))
        {
            return false;
        }

        unixMs = FromWallClock(wallClock, zone);
        return true;
    }

    /// <summary>
    /// A wall-clock time (as if UTC) read in a zone. A time skipped by a daylight-saving change, or repeated by one,
    /// takes the zone's standard offset: the log cannot say which was meant.
    /// </summary>
    internal static long FromWallClock(long wallClockMs, TimeZoneInfo zone)
    {
        if (ReferenceEquals(zone, TimeZoneInfo.Utc))
        {
            return wallClockMs;
        }

        var local = new DateTime(DateTime.UnixEpoch.Ticks + (wallClockMs * TimeSpan.TicksPerMillisecond), DateTimeKind.Unspecified);
        return wallClockMs - (long)zone.GetUtcOffset(local).TotalMilliseconds;
    }

    internal static bool TryEpoch(long value, out long unixMs)
    {
        unixMs = value switch
        {
            <= 0 => 0,
            < MillisecondsFrom => value * 1000,
            < MicrosecondsFrom => value,
            < NanosecondsFrom => value / 1000,
            _ => value / 1_000_000,
        };
        return unixMs > 0 && unixMs <= MaxUnixMs;
    }

    internal static bool TryEpoch(double value, out long unixMs)
    {
        var ms = value switch
        {
            < MillisecondsFrom => value * 1000,
            < MicrosecondsFrom => value,
            < NanosecondsFrom => value / 1000,
            _ => value / 1_000_000,
        };

        // NaN fails both comparisons.
        var valid = ms >= 1 && ms <= MaxUnixMs;
        unixMs = valid ? (long)ms : 0;
        return valid;
    }

    internal static bool TryParseIso8601(ReadOnlySpan<byte> s, out long unixMs)
    {
        unixMs = 0;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] is not ((byte)'T' or (byte)'t' or (byte)' ')
            || s[13] != ':' || s[16] != ':'
            || !TryDigits(s[..4], out var year) || !TryDigits(s[5..7], out var month) || !TryDigits(s[8..10], out var day)
            || !TryDigits(s[11..13], out var hour) || !TryDigits(s[14..16], out var minute)
            || !TryDigits(s[17..19], out var second))
        {
            return false;
        }

        var i = 19;
        var fractionMs = 0;
        if (i < s.Length && s[i] is (byte)'.' or (byte)',')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit((char)s[i]))
            {
                // Digits past the third only refine below a millisecond.
                if (i - start < 3)
                {
                    fractionMs = (fractionMs * 10) + (s[i] - '0');
                }

                i++;
            }

            var digits = i - start;
            if (digits == 0)
            {
                return false;
            }

            for (var missing = digits; missing < 3; missing++)
            {
                fractionMs *= 10;
            }
        }

        var offsetMinutes = 0;
        if (i < s.Length)
        {
            var zone = s[i..];
            if (zone is [(byte)'Z' or (byte)'z'])
            {
                offsetMinutes = 0;
            }
            else if (!TryParseOffset(zone, out offsetMinutes))
            {
                return false;
            }
        }

        if (!TryUnixMs(year, month, day, hour, minute, second, out var wholeSeconds))
        {
            return false;
        }

        unixMs = wholeSeconds + fractionMs - (offsetMinutes * 60_000L);
        return true;
    }

    internal static bool TryParseAsctime(ReadOnlySpan<byte> s, out long unixMs)
    {
        unixMs = 0;

        // The week day is redundant with the date, so only its presence is checked. asctime pads the day of the
        // month with a space ("Dec  3"), which the token split absorbs.
        var rest = s;
        var weekday = NextToken(ref rest);
        var monthName = NextToken(ref rest);
        var dayText = NextToken(ref rest);
        var clock = NextToken(ref rest);
        var yearText = NextToken(ref rest);
        if (weekday.Length != 3 || !rest.IsEmpty || clock.Length != 8 || clock[2] != ':' || clock[5] != ':'
            || dayText.Length is < 1 or > 2
            || !TryMonth(monthName, out var month) || !TryDigits(dayText, out var day) || !TryDigits(yearText, out var year)
            || !TryDigits(clock[..2], out var hour) || !TryDigits(clock[3..5], out var minute)
            || !TryDigits(clock[6..], out var second))
        {
            return false;
        }

        return TryUnixMs(year, month, day, hour, minute, second, out unixMs);
    }

    private static bool TryParseOffset(ReadOnlySpan<byte> zone, out int minutes)
    {
        minutes = 0;
        if (zone.Length < 3 || zone[0] is not ((byte)'+' or (byte)'-') || !TryDigits(zone[1..3], out var hours))
        {
            return false;
        }

        var rest = zone[3..];
        if (rest is [(byte)':', ..])
        {
            rest = rest[1..];
        }

        var mins = 0;
        if (!rest.IsEmpty && (rest.Length != 2 || !TryDigits(rest, out mins)))
        {
            return false;
        }

        if (hours > 23 || mins > 59)
        {
            return false;
        }

        minutes = (zone[0] == '-' ? -1 : 1) * ((hours * 60) + mins);
        return true;
    }

    private static bool TryUnixMs(int year, int month, int day, int hour, int minute, int second, out long unixMs)
    {
        unixMs = 0;
        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks;
        unixMs = ticks / TimeSpan.TicksPerMillisecond;
        return true;
    }

    private static bool TryMonth(ReadOnlySpan<byte> name, out int month)
    {
        ReadOnlySpan<byte> months = "janfebmaraprmayjunjulaugsepoctnovdec"u8;
        for (month = 1; month <= 12; month++)
        {
            if (Ascii.EqualsIgnoreCase(name, months.Slice((month - 1) * 3, 3)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryDigits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 9)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    private static ReadOnlySpan<byte> NextToken(ref ReadOnlySpan<byte> rest)
    {
        rest = rest.TrimStart((byte)' ');
        var end = rest.IndexOf((byte)' ');
        var token = end < 0 ? rest : rest[..end];
        rest = end < 0 ? default : rest[end..].TrimStart((byte)' ');
        return token;
    }
}
