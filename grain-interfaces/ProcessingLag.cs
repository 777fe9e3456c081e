namespace SecurityCoach;

/// <summary>
/// How late this silo starts the work it was given: user grains report each batch against when it was published,
/// coaching grains each run of their workflow against when its timer was due; ingest asks <see cref="IsBehind"/>
/// before it reads a body. Without it, the Local profile's in-memory streams take whatever ingest publishes (up to their
/// queues' bound); past the silo's capacity the
/// backlog (batches in the streams, coachings waiting for a thread) grows the heap, the collections lengthen, every
/// stage slows, deliveries time out and are retried, and throughput collapses (bench/README.md).
/// Invariants:
/// - Behind means: in the last two windows of <see cref="Window"/> at least <see cref="MinReports"/> pieces of work
///   started and more than half of them later than the limit. A few hot users whose own streams lag do not close
///   ingest for everyone; a backlog does, since nearly everything then waits in it.
/// - Only waiting for the silo counts: a coaching waiting on a slow receiver is not late (its timer fired on time),
///   so one tenant's slow webhook does not close ingest for the others.
/// - The state decays without new reports: once the backlog is drained nothing starts late, the windows empty, and
///   ingest opens again. No counter is kept between publishing and scoring, so redeliveries, replays and batches
///   published on another silo cannot make it drift.
/// - Each silo judges from its own grains; streams and placement spread work over the silos, so a silo's share is
///   representative.
/// </summary>
public sealed class ProcessingLag(TimeProvider time, TimeSpan maxLag)
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    public const int MinReports = 10;

    private readonly long _windowMs = (long)Window.TotalMilliseconds;
    private readonly long _maxLagMs = (long)maxLag.TotalMilliseconds;
    private readonly Lock _lock = new();
    private long _window;
    private (int Reports, int Late) _current;
    private (int Reports, int Late) _previous;

    /// <summary>False when backpressure is off (a zero limit): nothing is recorded and ingest is never refused.</summary>
    public bool Enabled => _maxLagMs > 0;

    public TimeSpan MaxLag => maxLag;

    /// <summary>Work that was due at <paramref name="dueAtMs"/> (Unix ms; 0: unknown, not counted) starts now.</summary>
    public void Started(long dueAtMs)
    {
        if (!Enabled || dueAtMs <= 0)
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var late = now - dueAtMs > _maxLagMs;
        lock (_lock)
        {
            Roll(now);
            _current.Reports++;
            if (late)
            {
                _current.Late++;
            }
        }
    }

    /// <summary>True while most work started in the last two windows started late; <paramref name="late"/> of <paramref name="started"/>.</summary>
    public bool IsBehind(out int late, out int started)
    {
        (late, started) = (0, 0);
        if (!Enabled)
        {
            return false;
        }

        lock (_lock)
        {
            Roll(time.GetUtcNow().ToUnixTimeMilliseconds());
            started = _current.Reports + _previous.Reports;
            late = _current.Late + _previous.Late;
        }

        return started >= MinReports && late * 2 > started;
    }

    private void Roll(long nowMs)
    {
        var window = nowMs / _windowMs;
        if (window == _window)
        {
            return;
        }

        _previous = window == _window + 1 ? _current : default;
        _current = default;
        _window = window;
    }
}
