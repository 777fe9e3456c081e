using Microsoft.Extensions.Options;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// The configured zone per vendor (<c>SecurityCoach:Ingest:TimeZones</c>), resolved once at start-up from the
/// system's IANA time-zone data (<c>/usr/share/zoneinfo</c>; InvariantGlobalization does not affect it).
/// </summary>
public sealed class VendorTimeZones(IOptions<ApiOptions> options)
{
    private readonly Dictionary<string, TimeZoneInfo> _zones = Resolve(options.Value.Ingest.TimeZones);

    /// <summary>The zone for a vendor's zone-less time stamps; UTC when none is configured.</summary>
    public TimeZoneInfo For(string vendor) => _zones.GetValueOrDefault(vendor) ?? TimeZoneInfo.Utc;

    /// <summary>The first configuration entry that names no known vendor or no known zone, as a message; null if all are valid.</summary>
    public static string? Problem(IReadOnlyDictionary<string, string> configured)
    {
        foreach (var (vendor, zoneId) in configured)
        {
            if (!EventNormalizers.TryGet(vendor, out _))
            {
                return $"{ApiOptions.Section}:Ingest:TimeZones:{vendor}: no such vendor";
            }

            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out _))
            {
                return $"{ApiOptions.Section}:Ingest:TimeZones:{vendor}: '{zoneId}' is not a time-zone id of this system "
                    + "(an IANA id such as Europe/Lisbon; on Linux the tzdata package provides them)";
            }
        }

        return null;
    }

    private static Dictionary<string, TimeZoneInfo> Resolve(Dictionary<string, string> configured)
    {
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var (vendor, zoneId) in configured)
        {
            zones[vendor] = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }

        return zones;
    }
}

/// <summary>Refuses to start with a time-zone setting that names an unknown vendor or zone.</summary>
internal sealed class IngestTimeZonesValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options) =>
        VendorTimeZones.Problem(options.Ingest.TimeZones) is { } problem
            ? ValidateOptionsResult.Fail(problem)
            : ValidateOptionsResult.Success;
}
