using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SecurityCoach.Api;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

public sealed class VendorTimeZoneTests
{
    private const string PanOsUrlLine =
        "Jul  1 14:30:12 PA-VM-01 1,2026/07/01 14:30:12,013201009876,THREAT,url,2561,2026/07/01 14:30:11,10.0.0.5,"
        + "192.0.2.1,,,web,corp\\jdoe,,ssl,vsys1,trust,untrust,e1/2,e1/1,fwd,,1,1,50000,443,0,0,0x0,tcp,alert,"
        + "news.example.com/,(9999),news,informational,client-to-server,42";

    private static TimeZoneInfo Zone(string id)
    {
        Assert.True(TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone),
            $"time zone '{id}' not found: install the tzdata package (IANA zones under /usr/share/zoneinfo)");
        return zone;
    }

    [Fact]
    public void Iana_zone_ids_resolve_with_invariant_globalization()
    {
        Assert.True(AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant) && invariant,
            "the tests must run like the silo, with InvariantGlobalization");

        Assert.Equal(TimeSpan.FromHours(-4), Zone("America/New_York").GetUtcOffset(new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(TimeSpan.FromHours(1), Zone("Europe/Lisbon").GetUtcOffset(new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(TimeSpan.FromHours(5.5), Zone("Asia/Kolkata").BaseUtcOffset);
    }

    [Theory]
    [InlineData("UTC", "2026-07-01T14:30:11Z")]
    [InlineData("America/New_York", "2026-07-01T18:30:11Z")]
    [InlineData("Europe/Lisbon", "2026-07-01T13:30:11Z")]
    [InlineData("Asia/Kolkata", "2026-07-01T09:00:11Z")]
    public void PanOs_time_is_read_in_the_configured_zone(string zoneId, string utc)
    {
        var context = new NormalizationContext(NormalizedEvent.TenantId, NormalizedEvent.ReceivedAtMs) { TimeZone = Zone(zoneId) };

        Assert.True(new PanOsNormalizer().TryNormalizeLine(Encoding.UTF8.GetBytes(PanOsUrlLine), context, out var normalized, out var error), error);
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), normalized.TimeMs);
    }

    [Theory]
    [InlineData("UTC", "2026-07-01T14:30:11Z")]
    [InlineData("Europe/Lisbon", "2026-07-01T13:30:11Z")]
    public void Umbrella_time_is_read_in_the_configured_zone(string zoneId, string utc)
    {
        const string dnsLine = "\"2026-07-01 14:30:11\",\"a@northwind.example\",\"a@northwind.example\",\"10.0.0.1\",\"198.51.100.2\",\"Allowed\",\"1 (A)\",\"NOERROR\",\"news.example.\",\"News\",\"AD Users\",\"AD Users\",\"\"";
        var context = new NormalizationContext(NormalizedEvent.TenantId, NormalizedEvent.ReceivedAtMs) { TimeZone = Zone(zoneId) };

        Assert.True(new UmbrellaNormalizer().TryNormalizeLine(Encoding.UTF8.GetBytes(dnsLine), context, out var normalized, out var error), error);
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), normalized.TimeMs);
    }

    [Fact]
    public void Zscaler_asctime_is_read_in_the_configured_zone_but_epochtime_is_exact()
    {
        const string withoutEpoch = """{"time":"Wed Jul  1 14:30:12 2026","login":"a@northwind.example","eurl":"https://news.example.com/"}""";
        const string withEpoch = """{"time":"Wed Jul  1 14:30:12 2026","epochtime":1782916212,"login":"a@northwind.example","eurl":"https://news.example.com/"}""";
        var context = new NormalizationContext(NormalizedEvent.TenantId, NormalizedEvent.ReceivedAtMs) { TimeZone = Zone("Europe/Lisbon") };

        Assert.Equal(DateTimeOffset.Parse("2026-07-01T13:30:12Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
            Normalize(withoutEpoch, context));
        Assert.Equal(1_782_916_212_000, Normalize(withEpoch, context));
    }

    [Fact]
    public void Without_a_zone_the_context_reads_utc()
    {
        Assert.Same(TimeZoneInfo.Utc, new NormalizationContext("t", 0).TimeZone);
        Assert.Same(TimeZoneInfo.Utc, default(NormalizationContext).TimeZone);
    }

    [Theory]
    [InlineData("2026-03-08T02:30:00", "2026-03-08T07:30:00Z")]
    [InlineData("2026-11-01T01:30:00", "2026-11-01T06:30:00Z")]
    [InlineData("2026-11-01T03:00:00", "2026-11-01T08:00:00Z")]
    public void Skipped_and_repeated_wall_clock_times_take_the_standard_offset(string wallClock, string utc)
    {
        var wallMs = new DateTimeOffset(DateTime.Parse(wallClock, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero).ToUnixTimeMilliseconds();

        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
            VendorTime.FromWallClock(wallMs, Zone("America/New_York")));
    }

    [Fact]
    public void Configured_zones_are_found_per_vendor_ignoring_case_and_default_to_utc()
    {
        var options = new ApiOptions();
        options.Ingest.TimeZones["PaloAlto"] = "Europe/Lisbon";
        var zones = new VendorTimeZones(Options.Create(options));

        Assert.Equal("Europe/Lisbon", zones.For("paloalto").Id);
        Assert.Same(TimeZoneInfo.Utc, zones.For("zscaler"));
    }

    [Theory]
    [InlineData("paloalto", "Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a time-zone id")]
    [InlineData("acme-edr", "UTC", "acme-edr: no such vendor")]
    public void A_zone_setting_naming_an_unknown_zone_or_vendor_is_refused(string vendor, string zoneId, string problem)
    {
        var options = new ApiOptions();
        options.Ingest.TimeZones[vendor] = zoneId;

        var result = new IngestTimeZonesValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(problem, result.FailureMessage, StringComparison.Ordinal);
    }

    private static long Normalize(string raw, NormalizationContext context)
    {
        using var document = JsonDocument.Parse(raw);
        Assert.True(new ZscalerNormalizer().TryNormalize(document.RootElement, context, out var normalized, out var error), error);
        return normalized.TimeMs;
    }
}
