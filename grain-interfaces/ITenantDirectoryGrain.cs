using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>The ids of every tenant at one version of the directory.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantList([property: Id(0)] long Version, [property: Id(1)] string[] TenantIds);

/// <summary>
/// The tenants that exist (one grain, key <see cref="Key"/>). Authentication asks a per-silo copy of it before it
/// names a tenant grain, so a key that names a tenant nobody created activates nothing and reads no storage; the copy
/// is refreshed only when a lookup misses, with a read-only call that answers nothing when the version did not move.
/// A tenant is added before its grain is created, so an existing tenant is always listed; an id listed whose creation
/// failed only lets a request reach a grain with no record, which answers as if the tenant did not exist.
/// </summary>
public interface ITenantDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The key of the one directory grain.</summary>
    public const string Key = "tenants";

    /// <summary>Lists the tenant (idempotent); the directory's version moves when it was not listed.</summary>
    Task Add(string tenantId);

    /// <summary>The list, or null when its version is still <paramref name="knownVersion"/>.</summary>
    [ReadOnly]
    ValueTask<TenantList?> GetIfChanged(long knownVersion);
}
