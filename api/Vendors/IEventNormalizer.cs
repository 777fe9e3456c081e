using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// What a normalizer needs from the request besides the event: the tenant of the credential, the arrival time,
/// the zone of the vendor's zone-less time stamps and the envelope member the record came from.
/// </summary>
public readonly record struct NormalizationContext(string TenantId, long ReceivedAtMs)
{
    private readonly TimeZoneInfo? _timeZone;

    /// <summary>
    /// The zone in which this vendor's time stamps without an offset are read
    /// (<c>SecurityCoach:Ingest:TimeZones:{vendor}</c>); UTC when not configured.
    /// </summary>
    public TimeZoneInfo TimeZone
    {
        get => _timeZone ?? TimeZoneInfo.Utc;
        init => _timeZone = value;
    }

    /// <summary>
    /// The member of a pagination envelope that held the record (<c>"clicksBlocked"</c>, <c>"records"</c>), or null
    /// for a record posted on its own. Some vendors say only here what happened (Proofpoint's permitted vs blocked).
    /// </summary>
    public string? Envelope { get; init; }
}

/// <summary>One record of a request body, and the envelope member and position that held it, if any.</summary>
public readonly record struct VendorRecord(JsonElement Value, string? Envelope = null, int Position = 0);

/// <summary>Turns one raw vendor event into the OCSF-shaped <see cref="SecurityEvent"/> that campaigns match.</summary>
public interface IEventNormalizer
{
    /// <summary>The route name, lower case: <c>/v1/ingest/{vendor}</c>.</summary>
    string Vendor { get; }

    /// <summary>
    /// Adds the records that one top-level value of a request holds: the value itself, unless it is one of this
    /// vendor's pagination envelopes (<c>{"value":[…]}</c>, <c>{"records":[…]}</c> …), whose items are added in
    /// order — none for an empty page.
    /// </summary>
    void AddRecords(JsonElement value, List<VendorRecord> records) => records.Add(new VendorRecord(value));

    /// <summary>
    /// Normalizes one event. Returns false with a short reason when the value is not of a shape this vendor
    /// produces, or names no user to coach.
    /// </summary>
    bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error);
}

/// <summary>A vendor whose logs are text lines (syslog, CSV), posted as <c>text/plain</c> or <c>text/csv</c>.</summary>
public interface ILineNormalizer : IEventNormalizer
{
    /// <summary>Normalizes one line, without its line break.</summary>
    bool TryNormalizeLine(ReadOnlySpan<byte> line, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error);
}
