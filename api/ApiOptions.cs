namespace SecurityCoach.Api;

/// <summary>API settings (section <c>SecurityCoach</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "SecurityCoach";

    /// <summary>The admin key (header X-Api-Key) that may create tenants and act on any tenant.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>The largest ingest body accepted, in bytes. Default 5 MiB.</summary>
    public long MaxIngestBodyBytes { get; set; } = 5 * 1024 * 1024;
}
