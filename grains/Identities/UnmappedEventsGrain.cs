using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

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
/// - Accepted means kept: <see cref="Add"/> returns after a state write that holds its events, and the ingest API
///   answers 202 only after that. A call that finds its events already kept (a client's retry after a failed write)
///   still waits for a write of everything in memory.
/// - Bounded: at most <see cref="MaxIdentities"/> vendor+identity entries (a new one evicts the least recently seen),
///   the newest <see cref="EventsKeptPerIdentity"/> events of each, and <see cref="MaxKeptBytes"/> of event JSON in
///   all (over it, the least recently seen identity's oldest event goes first). Every event is counted; those
///   dropped are counted in <see cref="UnmappedState.NotKept"/>. A repeat of a kept event id is neither kept nor
///   counted again.
/// - Publish, then remove: events that a mapping now resolves are published to their user's stream (through
///   <see cref="SecurityEventStreams.PublishAsync"/>, as ingest does) and only then removed from memory and written
///   away; a failed publish removes nothing. A crash between the publish and the write replays them again, and the
///   user grain drops the event ids it has seen: a replay twice scores once.
/// - No event is stranded by a race with a mapping change: <see cref="Add"/> resolves each event again against the
///   current mapping, and replays the kept ones first whenever the mapping moved past the version they were last
///   resolved against. Versions only move forward here.
/// - Writes are coalesced: the grain is reentrant so that the calls of concurrent ingest requests interleave at their
///   awaits; one write is in flight at a time and the calls that changed the state meanwhile share the next one. Every
///   mutation happens in a synchronous stretch between awaits, so no call sees another's half-made change.
/// </summary>
[Reentrant]
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

    // Write coalescing: changes are numbered; a write covers every change made before it started.
    private long _changes;
    private long _written;
    private long _writingCovers;
    private Task? _writing;

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
        var directory = await CurrentDirectory();
        var resolved = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
        var replay = directory.Version > state.State.ResolvedAgainstVersion ? Resolvable(directory, resolved) : null;
        var kept = false;
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
                kept |= Keep(evt, now);
            }
        }

        await SecurityEventStreams.PublishAsync(this.GetStreamProvider(SecurityEventStreams.ProviderName), _tenantId, resolved, now);
        if (replay is not null)
        {
            Remove(replay, directory.Version);
            kept = true;
        }

        await PersistAsync(kept);
    }

    public async Task<ReplayResult> Replay()
    {
        var directory = await CurrentDirectory();
        if (directory.Version <= state.State.ResolvedAgainstVersion)
        {
            return new ReplayResult(0, 0);
        }

        var resolved = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
        var replay = Resolvable(directory, resolved);
        await SecurityEventStreams.PublishAsync(this.GetStreamProvider(SecurityEventStreams.ProviderName), _tenantId, resolved, time.GetUtcNow());
        var identities = Remove(replay, directory.Version);
        await PersistAsync(changed: true);
        var events = 0;
        foreach (var (_, published) in replay)
        {
            events += published.Length;
        }

        if (identities > 0)
        {
            LogReplayed(_tenantId, events, identities, directory.Version);
        }

        return new ReplayResult(events, identities);
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
        return ValueTask.FromResult(new UnmappedView(s.Entries.Sum(e => e.Count), s.NotKept, entries));
    }

    public async Task ForgetUser(string userKey, string[] identities)
    {
        var s = state.State;
        var changed = false;
        for (var i = s.Entries.Count - 1; i >= 0; i--)
        {
            var entry = s.Entries[i];
            if (string.Equals(entry.Identity, userKey, StringComparison.OrdinalIgnoreCase)
                || Array.Exists(identities, identity => string.Equals(entry.Identity, identity, StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var evt in entry.Events)
                {
                    Forget(evt);
                }

                _entries.Remove((entry.Vendor, entry.Identity));
                s.Entries.RemoveAt(i);
                changed = true;
                continue;
            }

            // Another identity (a host, an IP) whose event names the user elsewhere: the event goes, the identity's count stays.
            foreach (var evt in entry.Events.FindAll(evt => NamesUser(evt.Json, userKey)))
            {
                entry.Events.Remove(evt);
                Forget(evt);
                s.NotKept++;
                changed = true;
            }
        }

        await PersistAsync(changed);
    }

    private void Forget(SecurityEvent evt)
    {
        _keptIds.Remove((evt.Vendor, evt.EventId));
        _keptBytes -= evt.Json.Length;
    }

    /// <summary>True when a string of the event's JSON (a value or a name, its escapes read) contains the user key, ignoring case.</summary>
    private static bool NamesUser(byte[] json, string userKey)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = SecurityEvent.MaxJsonDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName
                && reader.GetString()!.Contains(userKey, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The tenant's mapping, never older than the version the kept events were resolved against: a concurrent call
    /// may have seen a newer one first, and asking the cache again catches up, since it keeps the newest it has seen.
    /// </summary>
    private async ValueTask<UserDirectory> CurrentDirectory()
    {
        var directory = await directories.GetAsync(_tenantId);
        return directory.Version < state.State.ResolvedAgainstVersion ? await directories.GetAsync(_tenantId) : directory;
    }

    /// <summary>
    /// The entries whose identity the directory resolves, each with the events it keeps now; those events are added
    /// to <paramref name="resolved"/> as their user's. Nothing is removed yet.
    /// </summary>
    private List<(UnmappedEntry Entry, SecurityEvent[] Events)> Resolvable(UserDirectory directory, Dictionary<string, List<SecurityEvent>> resolved)
    {
        var found = new List<(UnmappedEntry, SecurityEvent[])>();
        foreach (var entry in state.State.Entries)
        {
            if (directory.Resolve(entry.Identity, entry.Kind) is not { } user)
            {
                continue;
            }

            var events = entry.Events.ToArray();
            foreach (var evt in events)
            {
                AddTo(resolved, user, evt.AssignUser(user));
            }

            found.Add((entry, events));
        }

        return found;
    }

    /// <summary>
    /// After their publish: removes the published events and every entry left without events (one that another call
    /// kept an event in meanwhile stays); the kept events now count as resolved against <paramref name="version"/>.
    /// Returns how many identities left the list.
    /// </summary>
    private int Remove(List<(UnmappedEntry Entry, SecurityEvent[] Events)> published, long version)
    {
        var identities = 0;
        foreach (var (entry, events) in published)
        {
            foreach (var evt in events)
            {
                if (entry.Events.Remove(evt))
                {
                    _keptIds.Remove((evt.Vendor, evt.EventId));
                    _keptBytes -= evt.Json.Length;
                }
            }

            if (entry.Events.Count == 0 && _entries.Remove((entry.Vendor, entry.Identity)))
            {
                state.State.Entries.Remove(entry);
                identities++;
            }
        }

        state.State.ResolvedAgainstVersion = Math.Max(state.State.ResolvedAgainstVersion, version);
        return identities;
    }

    /// <summary>
    /// Returns once every change made so far (this caller's included, when <paramref name="changed"/>) is written. One
    /// write is in flight at a time; a caller whose change it may not hold waits for it and then starts (or joins)
    /// the next, which holds the changes of everyone who waited. A failed write fails the callers it covered.
    /// </summary>
    private async Task PersistAsync(bool changed)
    {
        var needed = changed ? ++_changes : _changes;
        while (_written < needed)
        {
            if (_writing is { IsCompleted: false } inFlight)
            {
                if (_writingCovers >= needed)
                {
                    await inFlight;
                    return;
                }

                try
                {
                    await inFlight;
                }
                catch
                {
                    // The callers it covered see the error; this caller's change rides the next write.
                }

                continue;
            }

            _writingCovers = _changes;
            var write = WriteAsync(_changes);
            _writing = write;
            await write;
        }
    }

    private async Task WriteAsync(long covers)
    {
        await state.WriteStateAsync();
        _written = Math.Max(_written, covers);
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
