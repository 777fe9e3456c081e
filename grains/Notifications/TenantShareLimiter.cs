using System.Collections.Concurrent;

namespace SecurityCoach.Notifications;

/// <summary>
/// Turns at something every tenant shares (the connections to one receiver host, to the SMTP relay), of which one
/// tenant may hold only its share at once: a tenant whose deliveries hang holds at most that many, and the others'
/// go on. A caller takes its tenant's turn first, then the shared one, in one wait (the time spent on the first counts
/// against the second), and gives both back with <see cref="Exit"/>.
/// </summary>
internal sealed class TenantShareLimiter(int total, int perTenant, TimeProvider time) : IDisposable
{
    public enum Turn
    {
        Entered,

        /// <summary>The tenant's share stayed busy: its own deliveries hold it.</summary>
        TenantBusy,

        /// <summary>The tenant had a turn, but every shared one stayed busy.</summary>
        SharedBusy,
    }

    private readonly SemaphoreSlim _shared = new(total, total);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _tenants = new(StringComparer.Ordinal);

    public int PerTenant { get; } = Math.Min(perTenant, total);

    /// <summary>Waits up to <paramref name="timeout"/> for a turn; only <see cref="Turn.Entered"/> needs an <see cref="Exit"/>.</summary>
    public async Task<Turn> EnterAsync(string tenantId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var tenant = _tenants.GetOrAdd(tenantId, static (_, n) => new SemaphoreSlim(n, n), PerTenant);
        var started = time.GetTimestamp();
        if (!await tenant.WaitAsync(timeout, cancellationToken))
        {
            return Turn.TenantBusy;
        }

        var entered = false;
        try
        {
            var left = timeout - time.GetElapsedTime(started);
            entered = await _shared.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            return entered ? Turn.Entered : Turn.SharedBusy;
        }
        finally
        {
            if (!entered)
            {
                tenant.Release();
            }
        }
    }

    public void Exit(string tenantId)
    {
        _shared.Release();
        _tenants[tenantId].Release();
    }

    public void Dispose()
    {
        _shared.Dispose();
        foreach (var tenant in _tenants.Values)
        {
            tenant.Dispose();
        }
    }
}
