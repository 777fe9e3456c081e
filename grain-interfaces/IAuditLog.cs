using System.Text.Json;

namespace SecurityCoach;

/// <summary>The kinds of audit record, one per stage of the pipeline.</summary>
public static class AuditKinds
{
    /// <summary>An accepted ingest request's payload, verbatim, with the ids of the events it produced.</summary>
    public const string IngestRaw = "ingest.raw";

    /// <summary>One normalized event: id, user, time, class (its full OCSF form is derivable from the raw payload).</summary>
    public const string IngestNormalized = "ingest.normalized";

    /// <summary>A campaign matched an event: the campaign version and the risk score before and after.</summary>
    public const string Score = "score";

    /// <summary>The final outcome of a coaching: Delivered, Failed, Suppressed or Simulated, with attempts.</summary>
    public const string Coaching = "coaching";

    /// <summary>An administrative action on the tenant (<see cref="AdminAuditEntry"/>): which key changed what.</summary>
    public const string Admin = "admin";
}

/// <summary>
/// The audit trail of the pipeline, one JSON line per record, kept per tenant. <see cref="Record{TState}"/> is on
/// the hot path: it never blocks on storage and never throws; a record that cannot be kept is logged and counted.
/// </summary>
public interface IAuditLog
{
    /// <summary>False when records go nowhere, so callers can skip preparing them.</summary>
    bool Enabled { get; }

    /// <summary>
    /// Records one line <c>{"kind":…,"tenant":…,"at":…, …}</c>; <paramref name="write"/> adds the other properties
    /// to the open object (the state parameter spares callers a closure allocation).
    /// </summary>
    void Record<TState>(string tenantId, string kind, TState state, Action<Utf8JsonWriter, TState> write);

    /// <summary>Deletes the tenant's records of hours that ended before <paramref name="before"/> (its retention); how many objects went.</summary>
    Task<int> ExpireAsync(string tenantId, DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>The audit log of the Local profile: records nothing.</summary>
public sealed class NullAuditLog : IAuditLog
{
    public bool Enabled => false;

    public void Record<TState>(string tenantId, string kind, TState state, Action<Utf8JsonWriter, TState> write)
    {
    }

    public Task<int> ExpireAsync(string tenantId, DateTimeOffset before, CancellationToken cancellationToken) => Task.FromResult(0);
}
