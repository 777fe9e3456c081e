using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>A page of a tenant's audit log, newest first; <see cref="Next"/> is the cursor of the page after it (null: none).</summary>
[GenerateSerializer, Immutable]
public sealed record AdminAuditPage([property: Id(0)] AdminAuditEntry[] Entries, [property: Id(1)] long? Next);

/// <summary>
/// A tenant's log of administrative actions (key: the tenant id), newest first, bounded to the newest
/// <see cref="Capacity"/> entries (every entry also goes to the S3 audit trail in the AWS profiles).
/// </summary>
public interface ITenantAuditGrain : IGrainWithStringKey
{
    public const int Capacity = 2_000;

    /// <summary>Appends an entry (its <see cref="AdminAuditEntry.Sequence"/> is assigned here).</summary>
    Task Record(AdminAuditEntry entry);

    /// <summary>
    /// Appends the entry of a user's erasure with the user named only by a pseudonym (<see cref="AdminAuditEntry.Target"/>
    /// <c>hmac-sha256:</c> + 32 hex digits, keyed by a random key of this log that is never shown), and puts the same
    /// pseudonym in place of the user key in the entries that named the user. Returns the pseudonym.
    /// </summary>
    Task<string> RecordErasure(AdminAuditEntry entry, string userKey);

    /// <summary>Up to <paramref name="limit"/> entries older than the cursor <paramref name="before"/> (null: from the newest).</summary>
    [ReadOnly]
    ValueTask<AdminAuditPage> List(long? before, int limit);
}
