using Microsoft.Extensions.Time.Testing;
using SecurityCoach.Coaching.Steps;

namespace SecurityCoach.Tests.Coaching;

public sealed class QuietHoursPolicyTests
{
    private static readonly QuietHours Night = new("22:00", "07:00", "Europe/Berlin");

    /// <summary>The clock a coaching reads, set to a UTC instant.</summary>
    private static FakeTimeProvider ClockAt(string utc) => new(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    // Berlin is UTC+1 in winter: 21:30Z is 22:30 local (quiet until 07:00 local = 06:00Z next day).
    [InlineData("2026-01-15T21:30:00Z", "2026-01-16T06:00:00Z")]
    // 03:00 local, after midnight: quiet until 07:00 the same day.
    [InlineData("2026-01-15T02:00:00Z", "2026-01-15T06:00:00Z")]
    // Exactly at the start is quiet; exactly at the end is not.
    [InlineData("2026-01-15T21:00:00Z", "2026-01-16T06:00:00Z")]
    [InlineData("2026-01-15T06:00:00Z", null)]
    [InlineData("2026-01-15T12:00:00Z", null)]
    // Summer (UTC+2): 20:30Z is 22:30 local, quiet until 05:00Z.
    [InlineData("2026-07-15T20:30:00Z", "2026-07-16T05:00:00Z")]
    public void The_tenant_window_is_read_in_its_time_zone_and_may_span_midnight(string now, string? until)
    {
        var clock = ClockAt(now);

        var quietUntil = QuietHoursPolicy.QuietUntil(Night, null, clock.GetUtcNow());

        Assert.Equal(until is null ? null : DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture), quietUntil);
    }

    [Fact]
    public void A_window_within_one_day_ends_the_same_day()
    {
        var lunch = new QuietHours("12:00", "13:30", "UTC");
        Assert.Equal(DateTimeOffset.Parse("2026-03-02T13:30:00Z", System.Globalization.CultureInfo.InvariantCulture),
            QuietHoursPolicy.QuietUntil(lunch, null, ClockAt("2026-03-02T12:10:00Z").GetUtcNow()));
        Assert.Null(QuietHoursPolicy.QuietUntil(lunch, null, ClockAt("2026-03-02T11:59:00Z").GetUtcNow()));
    }

    [Fact]
    public void The_users_time_zone_overrides_the_tenants()
    {
        // 22:30 in Berlin is 16:30 in New York: the tenant's window read in the user's zone is not quiet.
        var clock = ClockAt("2026-01-15T21:30:00Z");
        Assert.Null(QuietHoursPolicy.QuietUntil(Night, new UserPreferences("America/New_York", null), clock.GetUtcNow()));

        // Later that night in New York (22:30 there = 03:30Z) it is, until 07:00 New York time (12:00Z).
        clock.Advance(TimeSpan.FromHours(6));
        Assert.Equal(DateTimeOffset.Parse("2026-01-16T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            QuietHoursPolicy.QuietUntil(Night, new UserPreferences("America/New_York", null), clock.GetUtcNow()));
    }

    [Fact]
    public void The_users_own_window_overrides_the_tenants()
    {
        var early = new UserPreferences(null, new QuietHours("20:00", "06:00", "Asia/Tokyo"));
        // 21:00 in Tokyo (12:00Z): quiet for the user although the tenant's Berlin window is not in force.
        Assert.Equal(DateTimeOffset.Parse("2026-01-15T21:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            QuietHoursPolicy.QuietUntil(Night, early, ClockAt("2026-01-15T12:00:00Z").GetUtcNow()));
        Assert.Null(QuietHoursPolicy.QuietUntil(null, null, ClockAt("2026-01-15T12:00:00Z").GetUtcNow()));
    }

    [Fact]
    public void An_end_the_clocks_skip_moves_past_the_gap()
    {
        // Berlin skips 02:00–03:00 on 2026-03-29; a window ending at 02:30 ends when the clocks show 03:00 (01:00Z).
        var hours = new QuietHours("01:00", "02:30", "Europe/Berlin");
        Assert.Equal(DateTimeOffset.Parse("2026-03-29T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            QuietHoursPolicy.QuietUntil(hours, null, ClockAt("2026-03-29T00:30:00Z").GetUtcNow()));
    }

    [Fact]
    public void Validation_names_every_bad_field()
    {
        var errors = QuietHoursPolicy.Validate(new QuietHours("25:00", "7am", "Mars/Olympus"), "quietHours");

        Assert.Equal(["quietHours.start", "quietHours.end", "quietHours.timeZone"], errors.Select(e => e.Field));
        Assert.Equal(["quietHours.end"], QuietHoursPolicy.Validate(new QuietHours("07:00", "07:00", "UTC"), "quietHours").Select(e => e.Field));
        Assert.Empty(QuietHoursPolicy.Validate(Night, "quietHours"));
    }
}
