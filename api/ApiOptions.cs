namespace SecurityCoach.Api;

/// <summary>API settings (section <c>SecurityCoach</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "SecurityCoach";

    /// <summary>The admin key (header X-Api-Key) that may create tenants and act on any tenant.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>More admin keys, valid beside <see cref="AdminApiKey"/>: the overlap of a rotation (read live, no restart).</summary>
    public string[] AdminApiKeys { get; set; } = [];

    /// <summary>The largest ingest body accepted, in bytes. Default 5 MiB.</summary>
    public long MaxIngestBodyBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>
    /// How long one request may take before it is answered 408 <c>request-timeout</c> (a client sending its body too
    /// slowly holds a connection and a buffer for no more than this). Zero turns it off.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Ingestion settings (section <c>SecurityCoach:Ingest</c>).</summary>
    public IngestOptions Ingest { get; set; } = new();
}

/// <summary>Ingestion settings (section <c>SecurityCoach:Ingest</c>).</summary>
public sealed class IngestOptions
{
    /// <summary>
    /// Per vendor route name, the IANA time-zone id (<c>Europe/Lisbon</c>) in which that vendor's time stamps
    /// without an offset are read (Zscaler's NSS <c>time</c>, PAN-OS). Vendors not listed: UTC.
    /// </summary>
    public Dictionary<string, string> TimeZones { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Records in one request, after envelopes are unwrapped; more → 413 <c>too-many-events</c>.</summary>
    public int MaxEventsPerRequest { get; set; } = Http.IngestLimits.Default.MaxEvents;

    /// <summary>Nesting depth of JSON objects and arrays; deeper → 400 <c>json-too-deep</c>.</summary>
    public int MaxJsonDepth { get; set; } = Http.IngestLimits.Default.MaxJsonDepth;

    /// <summary>Bytes of one JSON string or property name (as sent) or one log line; more → 400 <c>string-too-long</c>.</summary>
    public int MaxStringBytes { get; set; } = Http.IngestLimits.Default.MaxStringBytes;

    public Http.IngestLimits Limits => new(MaxEventsPerRequest, MaxJsonDepth, MaxStringBytes);

    /// <summary>Per-tenant ingestion rate limit (section <c>SecurityCoach:Ingest:RateLimit</c>).</summary>
    public IngestRateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>
/// A token bucket per tenant and silo, counted in accepted events: a tenant may post <see cref="Burst"/> events at
/// once and <see cref="EventsPerSecond"/> sustained. The defaults sit well above one silo's measured throughput,
/// so they stop a runaway forwarder, not normal traffic. 0 turns the limit off.
/// </summary>
public sealed class IngestRateLimitOptions
{
    public int EventsPerSecond { get; set; } = 50_000;

    public int Burst { get; set; } = 100_000;
}
