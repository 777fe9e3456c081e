using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace SecurityCoach;

/// <summary>
/// Per tenant, the coachings this silo holds in progress: activations whose workflow is running or waits on a timer
/// (a retry, a short wait), each with its request, execution and trace in memory. Ingest refuses a tenant's events
/// (503) while its count is over <see cref="Limit"/>: when a tenant's receivers are slower than its events (an outage,
/// a receiver that times out), its coachings pile up here, and without a bound they fill the heap until collections
/// take most of the CPU and every tenant's coachings stall (bench/README.md). Per tenant, so one tenant's slow
/// webhook closes only that tenant's ingest.
/// Invariants:
/// - A coaching grain counts itself once from the moment its timer is armed until it is disarmed (the end, a long
///   wait on its reminder, which holds no activation) or the activation goes; <see cref="Started"/> and
///   <see cref="Ended"/> come in pairs per activation.
/// - Each silo counts its own activations; placement spreads a tenant's coachings over the silos, so a silo's count
///   is its share.
/// </summary>
public sealed class CoachingsInProgress(int limit)
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _byTenant = new(StringComparer.Ordinal);

    /// <summary>The most a tenant may have in progress on this silo before its ingest is refused; 0: no limit.</summary>
    public int Limit => limit;

    public void Started(string tenantId) => Interlocked.Increment(ref _byTenant.GetOrAdd(tenantId, static _ => new StrongBox<int>()).Value);

    public void Ended(string tenantId)
    {
        if (_byTenant.TryGetValue(tenantId, out var count))
        {
            Interlocked.Decrement(ref count.Value);
        }
    }

    public int Count(string tenantId) => _byTenant.TryGetValue(tenantId, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>True when <paramref name="tenantId"/> has more coachings in progress on this silo than the limit.</summary>
    public bool IsOverLimit(string tenantId, out int count)
    {
        count = Count(tenantId);
        return limit > 0 && count > limit;
    }
}
