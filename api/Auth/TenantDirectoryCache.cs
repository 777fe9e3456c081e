namespace SecurityCoach.Api.Auth;

/// <summary>
/// This silo's copy of the <see cref="ITenantDirectoryGrain"/>, so that a key naming a tenant nobody created is refused
/// without naming (and so activating) a tenant grain. A hit costs a set lookup. A miss asks the directory whether its
/// version moved, with one call in flight for all the misses that arrived before it started: a flood of keys naming
/// random tenants costs a stream of small read-only calls to one active grain, never an activation or a storage read.
/// Invariant: a miss is answered only after a refresh that started after the miss arrived, so a tenant created on any
/// silo before a request arrived is found.
/// </summary>
public sealed class TenantDirectoryCache(IGrainFactory grains)
{
    private readonly Lock _lock = new();
    private volatile TenantList _list = new(-1, []);
    private volatile HashSet<string> _ids = new(StringComparer.Ordinal);

    /// <summary>Misses asked for so far, and the newest one a finished refresh covers.</summary>
    private long _requested;
    private long _covered;
    private Task? _inflight;

    public async ValueTask<bool> ExistsAsync(string tenantId)
    {
        if (_ids.Contains(tenantId))
        {
            return true;
        }

        var ticket = Interlocked.Increment(ref _requested);
        while (Volatile.Read(ref _covered) < ticket)
        {
            Task refresh;
            lock (_lock)
            {
                refresh = _inflight ??= RefreshAsync(Volatile.Read(ref _requested));
            }

            await refresh;
        }

        return _ids.Contains(tenantId);
    }

    /// <summary>A tenant this silo just created is known at once, before the next refresh.</summary>
    public void Known(string tenantId)
    {
        lock (_lock)
        {
            _ids = new HashSet<string>(_ids, StringComparer.Ordinal) { tenantId };
        }
    }

    private async Task RefreshAsync(long covers)
    {
        // Off the caller's stack, so the lock above is never held across the call.
        await Task.Yield();
        try
        {
            if (await grains.Reference<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).GetIfChanged(_list.Version) is { } fresh)
            {
                lock (_lock)
                {
                    _list = fresh;
                    _ids = new HashSet<string>(fresh.TenantIds, StringComparer.Ordinal);
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _covered = Math.Max(_covered, covers);
                _inflight = null;
            }
        }
    }
}
