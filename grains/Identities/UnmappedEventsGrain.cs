using Microsoft.Extensions.Logging;

namespace SecurityCoach.Identities;

/// <summary>A tenant's persisted unmapped events.</summary>
[GenerateSerializer]
public sealed class UnmappedState
{
    /// <summary>One entry per vendor and identity, in the order they were first seen.</summary>
    [Id(0)] public List<UnmappedEntry> Entries { get; set; } = [];

    /// <summary>The mapping version every kept event was last resolved against; a newer one means a replay is due.</summary>
    [Id(1)] public long ResolvedAgainstVersion { get; set; } = -1;

    /// <summary>Events counted but no longer kept for replay (over a limit, or their identity left the list).</summary>
    [Id(2)] public long NotKept { get; set; }
}

/// <summary>The events of one vendor that named one unmapped identity.</summary>
[GenerateSerializer]
public sealed class UnmappedEntry
{
    [Id(0)] public string Vendor { get; set; } = "";

    /// <summary>The identity as the normalizer keyed it (lower case).</summary>
    [Id(1)] public string Identity { get; set; } = "";

    [Id(2)] public IdentityKind Kind { get; set; }

    /// <summary>Every event counted for this identity, kept or not.</summary>
    [Id(3)] public long Count { get; set; }

    [Id(4)] public DateTimeOffset FirstSeen { get; set; }

    [Id(5)] public DateTimeOffset LastSeen { get; set; }

    /// <summary>The newest events, oldest first, as normalized: what a replay publishes.</summary>
    [Id(6)] public List<SecurityEvent> Events { get; set; } = [];
}

/// <summary>
/// The events of one tenant (key: the tenant id) whose identity no mapping resolved.
/// Invariants:
/// - Accepted means kept: <see cref="Add"/> returns after the state holding the events is written, and the ingest
///   API answers 202 only after that.
/// - Bounded: at most <see cref="MaxIdentities"/> vendor+identity entries (a new one evicts the least recently seen),
///   the newest <see cref="EventsKeptPerIdentity"/> events of each, and <see cref="MaxKeptBytes"/> of event JSON in
///   all (over it, the least recently seen identity's oldest event goes first). Every event is counted; those
///   dropped are counted in <see cref="UnmappedState.NotKept"/>. A repeat of a kept event id (a client's retry) is
///   neither kept nor counted again.
/// - Replay, then remove: events that a mapping now resolves are published to their user's stream (through
///   <see cref="SecurityEventStreams.PublishAsync"/>, as ingest does) before the state without them is written. A
///   crash in between replays them again, and the user grain drops the event ids it has seen: a replay twice scores once.
/// - No event is stranded by a race with a mapping change: <see cref="Add"/> resolves each event again against the
///   current mapping, and replays the kept ones first whenever the mapping moved since they were last resolved.
/// - One write per call (an ingest request's unmapped events arrive in one call), never one per event.
/// </summary>
public sealed partial class UnmappedEventsGrain(
    [PersistentState("unmapped")] IPersistentState<UnmappedState> state,
    UserDirectoryCache directories,
    TimeProvider time,
    ILogger<UnmappedEventsGrain> logger) : Grain, IUnmappedEventsGrain
{
    public const int MaxIdentities = 1_000;
    public const int EventsKeptPerIdentity = 5;
    public const int MaxKeptBytes = 512 * 1024;
    public const int SamplesListed = 3;

    private readonly Dictionary<(string Vendor, string Identity), UnmappedEntry> _entries = [];
    private readonly HashSet<(string Vendor, string EventId)> _keptIds = [];
    private string _tenantId = "";
    private long _keptBytes;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _tenantId = this.GetPrimaryKeyString();
        foreach (var entry in state.State.Entries)
        {
            _entries[(entry.Vendor, entry.Identity)] = entry;
            foreach (var evt in entry.Events)
            {
                _keptIds.Add((evt.Vendor, evt.EventId));
                _keptBytes += evt.Json.Length;
            }
        }

        return Task.CompletedTask;
    }

    public async Task Add(SecurityEvent[] events)
    {
        try
        {
            var directory = await directories.GetAsync(_tenantId);
            var resolved = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
            var changed = directory.Version != state.State.ResolvedAgainstVersion;
            if (changed)
            {
                TakeResolved(directory, resolved);
            }

            var now = time.GetUtcNow();
            foreach (var evt in events)
            {
                if (!string.Equals(evt.TenantId, _tenantId, StringComparison.Ordinal))
                {
                    LogForeignEvent(_tenantId, evt.TenantId, evt.EventId);
                    continue;
                }

                if (directory.Resolve(evt.UserKey, evt.IdentityKind) is { } user)
                {
                    AddTo(resolved, user, evt.AssignUser(user));
                }
                else
                {
                    changed |= Keep(evt, now);
                }
            }

            await SecurityEventStreams.PublishAsync(this.GetStreamProvider(SecurityEventStreams.ProviderName), _tenantId, resolved);
            if (changed)
            {
                await state.WriteStateAsync();
            }
        }
        catch
        {
            // This activation's memory may already lack events that were not written away or published; a fresh
            // activation starts again from the last written state.
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task<ReplayResult> Replay()
    {
        try
        {
            var directory = await directories.GetAsync(_tenantId);
            if (directory.Version == state.State.ResolvedAgainstVersion)
            {
                return new ReplayResult(0, 0);
            }

            var resolved = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
            var identities = TakeResolved(directory, resolved);
            await SecurityEventStreams.PublishAsync(this.GetStreamProvider(SecurityEventStreams.ProviderName), _tenantId, resolved);
            await state.WriteStateAsync();
            var events = 0;
            foreach (var list in resolved.Values)
            {
                events += list.Count;
            }

            if (events > 0 || identities > 0)
            {
                LogReplayed(_tenantId, events, identities, directory.Version);
            }

            return new ReplayResult(events, identities);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public ValueTask<UnmappedView> List()
    {
        var s = state.State;
        var entries = s.Entries
            .OrderByDescending(e => e.Count).ThenByDescending(e => e.LastSeen).ThenBy(e => e.Identity, StringComparer.Ordinal)
            .Select(e => new UnmappedIdentityView(e.Vendor, e.Identity, e.Kind, e.Count, e.FirstSeen, e.LastSeen, e.Events.Count,
                [.. e.Events.AsEnumerable().Reverse().Take(SamplesListed)
                    .Select(evt => new UnmappedSample(evt.EventId, DateTimeOffset.FromUnixTimeMilliseconds(evt.TimeMs), evt.Json))]))
            .ToArray();
        return ValueTask.FromResult(new UnmappedView(s.ResolvedAgainstVersion, s.Entries.Sum(e => e.Count), s.NotKept, entries));
    }

    /// <summary>
    /// Moves the events of every identity the directory resolves into <paramref name="resolved"/>, as their user's,
    /// and removes those identities (kept events or not); returns how many identities. Marks the kept events as
    /// resolved against this version.
    /// </summary>
    private int TakeResolved(UserDirectory directory, Dictionary<string, List<SecurityEvent>> resolved)
    {
        var identities = 0;
        var entries = state.State.Entries;
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            var entry = entries[i];
            if (directory.Resolve(entry.Identity, entry.Kind) is not { } user)
            {
                continue;
            }

            identities++;
            foreach (var evt in entry.Events)
            {
                AddTo(resolved, user, evt.AssignUser(user));
                _keptIds.Remove((evt.Vendor, evt.EventId));
                _keptBytes -= evt.Json.Length;
            }

            _entries.Remove((entry.Vendor, entry.Identity));
            entries.RemoveAt(i);
        }

        state.State.ResolvedAgainstVersion = directory.Version;
        return identities;
    }

    /// <summary>Counts and keeps one unresolved event within the limits; false for a kept event id seen again.</summary>
    private bool Keep(SecurityEvent evt, DateTimeOffset now)
    {
        if (!_keptIds.Add((evt.Vendor, evt.EventId)))
        {
            return false;
        }

        var s = state.State;
        if (!_entries.TryGetValue((evt.Vendor, evt.UserKey), out var entry))
        {
            if (s.Entries.Count >= MaxIdentities)
            {
                EvictLeastRecentlySeen();
            }

            entry = new UnmappedEntry { Vendor = evt.Vendor, Identity = evt.UserKey, Kind = evt.IdentityKind, FirstSeen = now };
            _entries[(entry.Vendor, entry.Identity)] = entry;
            s.Entries.Add(entry);
        }

        entry.Count++;
        entry.LastSeen = now;
        entry.Events.Add(evt);
        _keptBytes += evt.Json.Length;
        if (entry.Events.Count > EventsKeptPerIdentity)
        {
            DropOldest(entry);
        }

        while (_keptBytes > MaxKeptBytes && OldestHolder() is { } holder)
        {
            DropOldest(holder);
        }

        return true;
    }

    private void EvictLeastRecentlySeen()
    {
        var entries = state.State.Entries;
        var oldest = 0;
        for (var i = 1; i < entries.Count; i++)
        {
            if (entries[i].LastSeen < entries[oldest].LastSeen)
            {
                oldest = i;
            }
        }

        var entry = entries[oldest];
        while (entry.Events.Count > 0)
        {
            DropOldest(entry);
        }

        _entries.Remove((entry.Vendor, entry.Identity));
        entries.RemoveAt(oldest);
    }

    /// <summary>The least recently seen entry that still keeps an event.</summary>
    private UnmappedEntry? OldestHolder()
    {
        UnmappedEntry? oldest = null;
        foreach (var entry in state.State.Entries)
        {
            if (entry.Events.Count > 0 && (oldest is null || entry.LastSeen < oldest.LastSeen))
            {
                oldest = entry;
            }
        }

        return oldest;
    }

    private void DropOldest(UnmappedEntry entry)
    {
        var evt = entry.Events[0];
        entry.Events.RemoveAt(0);
        _keptIds.Remove((evt.Vendor, evt.EventId));
        _keptBytes -= evt.Json.Length;
        state.State.NotKept++;
    }

    private static void AddTo(Dictionary<string, List<SecurityEvent>> byUser, string user, SecurityEvent evt)
    {
        if (!byUser.TryGetValue(user, out var list))
        {
            byUser[user] = list = [];
        }

        list.Add(evt);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unmapped events of tenant {TenantId} received event {EventId} of tenant {OtherTenant}; dropped")]
    private partial void LogForeignEvent(string tenantId, string otherTenant, string eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId}: mapping v{Version} resolved {Identities} unmapped identities; {Events} kept events replayed")]
    private partial void LogReplayed(string tenantId, int events, int identities, long version);
}
