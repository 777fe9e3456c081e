namespace SecurityCoach;

/// <summary>
/// What a tenant API key may do. <see cref="Ingest"/>: post events (what a vendor integration holds); <see cref="Read"/>:
/// read the tenant's users, coachings, campaigns, reports and audit log; <see cref="Admin"/>: change campaigns,
/// workflows, aliases, settings and keys, retry coachings and erase users. A key stored without scopes (made before
/// scopes existed) holds all three.
/// </summary>
public static class ApiKeyScopes
{
    public const string Ingest = "ingest";
    public const string Read = "read";
    public const string Admin = "admin";

    /// <summary>Every scope, in the order the API lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Ingest, Read, Admin];

    public static bool IsKnown(string? scope) => scope is Ingest or Read or Admin;
}
