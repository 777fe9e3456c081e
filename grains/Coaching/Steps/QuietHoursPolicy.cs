using System.Globalization;

namespace SecurityCoach.Coaching.Steps;

/// <summary>
/// Quiet hours: a daily local-time window in which no tip is delivered. The user's own window wins over the
/// tenant's; the user's time zone wins over the window's own. Pure functions of their inputs and the time.
/// </summary>
public static class QuietHoursPolicy
{
    private const string TimeFormat = "HH:mm";

    /// <summary>Every problem of a window, with <paramref name="path"/> as the field prefix; empty when it is valid.</summary>
    public static List<FieldError> Validate(QuietHours hours, string path)
    {
        var errors = new List<FieldError>();
        var start = ParseTime(hours.Start, $"{path}.start", errors);
        var end = ParseTime(hours.End, $"{path}.end", errors);
        if (start is not null && start == end)
        {
            errors.Add(new FieldError($"{path}.end", "must differ from start (an empty window)"));
        }

        if (ValidateTimeZone(hours.TimeZone) is { } problem)
        {
            errors.Add(new FieldError($"{path}.timeZone", problem));
        }

        return errors;
    }

    /// <summary>Null when <paramref name="id"/> names a time zone this machine knows (IANA or Windows id); else why not.</summary>
    public static string? ValidateTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "is required (an IANA time zone such as \"Europe/Berlin\")";
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out _) ? null : $"'{id}' is not a known time zone";
    }

    /// <summary>
    /// When the quiet hours that hold at <paramref name="now"/> end, or null when <paramref name="now"/> is outside them
    /// (or no window applies).
    /// </summary>
    public static DateTimeOffset? QuietUntil(QuietHours? tenant, UserPreferences? user, DateTimeOffset now)
    {
        var hours = user?.QuietHours ?? tenant;
        if (hours is null
            || !TimeOnly.TryParseExact(hours.Start, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(hours.End, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var end)
            || start == end
            || !TimeZoneInfo.TryFindSystemTimeZoneById(user?.TimeZone ?? hours.TimeZone, out var zone))
        {
            return null;
        }

        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var today = DateOnly.FromDateTime(local.DateTime);
        DateOnly endDate;
        if (start < end)
        {
            if (time < start || time >= end)
            {
                return null;
            }

            endDate = today;
        }
        else
        {
            // The window spans midnight: quiet from start to midnight, and from midnight to end.
            if (time < start && time >= end)
            {
                return null;
            }

            endDate = time >= start ? today.AddDays(1) : today;
        }

        return ToInstant(endDate.ToDateTime(end), zone);
    }

    private static TimeOnly? ParseTime(string? text, string field, List<FieldError> errors)
    {
        if (TimeOnly.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors.Add(new FieldError(field, "must be a local time \"HH:mm\" (00:00–23:59)"));
        return null;
    }

    /// <summary>A local wall-clock time as an instant; a time the clocks skip (spring forward) moves past the gap.</summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
