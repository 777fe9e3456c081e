using System.Collections.Concurrent;

namespace SecurityCoach.Users;

/// <summary>
/// The tenant quota <c>CoachingStartsPerMinute</c> on this silo: a count per tenant per clock minute, shared by the
/// user grains of the silo, so one tenant's burst of matches cannot start coachings (and their writes and deliveries)
/// without bound while other tenants wait. Per silo rather than cluster-wide: a count in one place would be a call per
/// start; N silos together admit up to N times the quota, which the README says.
/// </summary>
public sealed class CoachingStartLimiter(TimeProvider time)
{
    /// <summary>Tenants tracked at once; past it the counts start over (a minute's worth is all any of them holds).</summary>
    private const int MaxTenants = 100_000;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Takes one start of the tenant's quota for this minute; false when the quota is spent.</summary>
    public bool TryTake(string tenantId, int perMinute)
    {
        if (perMinute <= 0)
        {
            return false;
        }

        var minute = time.GetUtcNow().ToUnixTimeMilliseconds() / 60_000;
        if (_windows.Count >= MaxTenants)
        {
            _windows.Clear();
        }

        var window = _windows.GetOrAdd(tenantId, static _ => new Window());
        lock (window)
        {
            if (window.Minute != minute)
            {
                window.Minute = minute;
                window.Count = 0;
            }

            if (window.Count >= perMinute)
            {
                return false;
            }

            window.Count++;
            return true;
        }
    }

    private sealed class Window
    {
        public long Minute = long.MinValue;
        public int Count;
    }
}
