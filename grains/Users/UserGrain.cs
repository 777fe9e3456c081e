using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Orleans.Streams.Core;
using SecurityCoach.Campaigns;
using SecurityCoach.Coaching;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Risk;

namespace SecurityCoach.Users;

/// <summary>A user's persisted state.</summary>
[GenerateSerializer]
public sealed class UserState
{
    /// <summary>The score as it stood at <see cref="RiskUpdatedAtMs"/>; it decays from there.</summary>
    [Id(0)] public double RiskScore { get; set; }

    [Id(1)] public long RiskUpdatedAtMs { get; set; }

    [Id(2)] public long EventCount { get; set; }

    [Id(3)] public long? LastEventAtMs { get; set; }

    /// <summary>
    /// 64-bit hashes (<see cref="EventIdHash"/>) of the last <see cref="UserGrain.DuplicateWindow"/> event ids, oldest
    /// first: 8 bytes an event instead of the id itself, since this window is written with every batch.
    /// </summary>
    [field: NonSerialized] public EventHashWindow RecentEventHashes { get; set; } = new();

    /// <summary>
    /// <see cref="RecentEventHashes"/> as stored (<see cref="EventHashWindow.Stored"/>). Written as a list, the 1,024
    /// random 64-bit hashes of a busy user took ≈ 9.5 bytes each, encoded one by one on every write.
    /// </summary>
    [Id(13)] internal byte[] RecentEventHashesPacked { get => RecentEventHashes.Stored; set => RecentEventHashes = EventHashWindow.FromStored(value); }

    /// <summary>Id 4 held the hashes as a list; a state written before they were packed still loads through it.</summary>
    [Id(4)] internal List<ulong>? RecentEventHashesAsList { get => null; set => RecentEventHashes = value is null ? RecentEventHashes : new(value); }

    /// <summary>Per campaign, when a coaching last passed this user's delivery-limit check: the delivery-limit clock.</summary>
    [Id(5)] public Dictionary<string, long> LastCoachedAtMs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The ids of the coachings this user started, newest last; their status lives in the coaching grains.</summary>
    [field: NonSerialized] public CoachingIdList CoachingIds { get; set; } = new();

    /// <summary>Per campaign, the coaching that started the delivery-limit clock (so asking again for it answers the same).</summary>
    [Id(7)] public Dictionary<string, string> LastCoachedBy { get; set; } = new(StringComparer.Ordinal);

    [Id(8)] public UserPreferences? Preferences { get; set; }

    /// <summary>
    /// The coachings this user started that may still need a wake-up: the user's reminder asks each to go on until it
    /// has ended (or waits on a reminder of its own). Added in the batch's write, so a started coaching is watched
    /// from the moment its batch is acknowledged.
    /// </summary>
    [field: NonSerialized] public CoachingIdList WatchedCoachings { get; set; } = new();

    /// <summary>The outbox: coachings the user grain has decided on and not yet seen started.</summary>
    [Id(10)] public List<PendingCoachingStart> PendingStarts { get; set; } = [];

    /// <summary>Matches that started no coaching because a tenant quota or the watch list's bound was reached.</summary>
    [Id(14)] public long CoachingsOverQuota { get; set; }

    // The two id lists are written with every batch: as strings (up to 50 of them, each reference-tracked and
    // transcoded by the serializer) they were 3 % of the Local profile's CPU; packed, each id is 16 bytes of one array.

    /// <summary><see cref="CoachingIds"/> as stored (<see cref="CoachingIdList.ToPacked"/>).</summary>
    [Id(11)] internal byte[] CoachingIdsPacked { get => CoachingIds.ToPacked(); set => CoachingIds = CoachingIdList.FromPacked(value); }

    /// <summary><see cref="WatchedCoachings"/> as stored (<see cref="CoachingIdList.ToPacked"/>).</summary>
    [Id(12)] internal byte[] WatchedCoachingsPacked { get => WatchedCoachings.ToPacked(); set => WatchedCoachings = CoachingIdList.FromPacked(value); }

    /// <summary>
    /// Coachings that left <see cref="CoachingIds"/> (the view lists the newest) and are not yet handed to the user's
    /// <see cref="IUserCoachingIndexGrain"/>, so an erasure finds them; packed as the other two lists.
    /// </summary>
    [field: NonSerialized] public CoachingIdList UnlistedCoachings { get; set; } = new();

    [Id(15)] internal byte[] UnlistedCoachingsPacked { get => UnlistedCoachings.ToPacked(); set => UnlistedCoachings = CoachingIdList.FromPacked(value); }

    // Ids 6 and 9 held the same lists as strings; a state written before they were packed still loads through them
    // (read in id order, so the packed field of a newer state, when present, has the last word).

    [Id(6)] internal List<string>? CoachingIdsAsText { get => null; set => CoachingIds = value is null ? CoachingIds : new(value); }

    [Id(9)] internal List<string>? WatchedCoachingsAsText { get => null; set => WatchedCoachings = value is null ? WatchedCoachings : new(value); }
}

/// <summary>
/// A user's recent event-id hashes, oldest first, held the way the user's state stores them: 8 bytes each,
/// little-endian, in one array. A full window (the busy users, written with nearly every batch) is stored without a
/// copy: <see cref="Stored"/> hands over the array itself, which the serializer only reads during the write.
/// </summary>
public sealed class EventHashWindow : IReadOnlyList<ulong>
{
    /// <summary>The hashes in order: the first <see cref="Count"/> × 8 bytes are in use. The capacity grows to a power
    /// of two hashes, so a window of <see cref="UserGrain.DuplicateWindow"/> (a power of two) fills it exactly.</summary>
    private byte[] _bytes = [];
    private int _count;

    public EventHashWindow()
    {
    }

    public EventHashWindow(IEnumerable<ulong> hashes)
    {
        foreach (var hash in hashes)
        {
            Add(hash);
        }
    }

    public int Count => _count;

    public ulong this[int index] => (uint)index < (uint)_count
        ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(index * sizeof(ulong)))
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The stored form: the array itself when it is full, else a copy of the part in use.</summary>
    public byte[] Stored => _bytes.Length == _count * sizeof(ulong) ? _bytes : _bytes.AsSpan(0, _count * sizeof(ulong)).ToArray();

    public static EventHashWindow FromStored(byte[] stored) =>
        new() { _bytes = stored.AsSpan(0, stored.Length / sizeof(ulong) * sizeof(ulong)).ToArray(), _count = stored.Length / sizeof(ulong) };

    public void Add(ulong hash)
    {
        if (_bytes.Length < (_count + 1) * sizeof(ulong))
        {
            Array.Resize(ref _bytes, (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_count + 1)) * sizeof(ulong));
        }

        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(_bytes.AsSpan(_count * sizeof(ulong)), hash);
        _count++;
    }

    public void RemoveOldest()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("the window is empty");
        }

        _count--;
        _bytes.AsSpan(sizeof(ulong), _count * sizeof(ulong)).CopyTo(_bytes);
    }

    public IEnumerator<ulong> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Coaching ids (<see cref="Coaching.CoachingIds.For"/>: 32 lower-case hex characters) in order, held both as text (what
/// the grain reads and calls with) and packed 16 bytes an id (what the user's state stores, <see cref="ToPacked"/>).
/// An id is decoded once, when it is added: packing a busy user's ~100 listed ids anew on every write was ≈ 2 % of the
/// Local profile's CPU. Every id a user grain lists comes from <see cref="Coaching.CoachingIds.For"/>; any other
/// string is refused when added rather than stored changed.
/// </summary>
public sealed class CoachingIdList : IReadOnlyList<string>
{
    private const int Bytes = 16;

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly List<string> _ids = [];

    /// <summary>The ids packed in order: the first <c>Count × 16</c> bytes are in use.</summary>
    private byte[] _packed = [];

    public CoachingIdList()
    {
    }

    public CoachingIdList(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            Add(id);
        }
    }

    public int Count => _ids.Count;

    public string this[int index] => _ids[index];

    /// <exception cref="InvalidOperationException"><paramref name="id"/> is not a coaching id.</exception>
    public void Add(string id)
    {
        var offset = _ids.Count * Bytes;
        if (_packed.Length < offset + Bytes)
        {
            Array.Resize(ref _packed, Math.Max(4 * Bytes, 2 * _packed.Length));
        }

        if (id.Length != 2 * Bytes
            || id.AsSpan().ContainsAnyExcept(LowerHex)
            || Convert.FromHexString(id, _packed.AsSpan(offset, Bytes), out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw new InvalidOperationException($"'{id}' is not a coaching id (32 lower-case hex characters); user state cannot store it.");
        }

        _ids.Add(id);
    }

    public void RemoveAt(int index)
    {
        _ids.RemoveAt(index);
        var packed = _packed.AsSpan();
        packed[((index + 1) * Bytes)..((_ids.Count + 1) * Bytes)].CopyTo(packed[(index * Bytes)..]);
    }

    /// <returns>False when the id is not listed.</returns>
    public bool Remove(string id)
    {
        var index = _ids.IndexOf(id);
        if (index < 0)
        {
            return false;
        }

        RemoveAt(index);
        return true;
    }

    /// <summary>The ids as stored: 16 bytes each, in order.</summary>
    public byte[] ToPacked() => _packed.AsSpan(0, _ids.Count * Bytes).ToArray();

    public static CoachingIdList FromPacked(byte[] packed)
    {
        var list = new CoachingIdList { _packed = packed.AsSpan(0, packed.Length / Bytes * Bytes).ToArray() };
        for (var offset = 0; offset < list._packed.Length; offset += Bytes)
        {
            list._ids.Add(Convert.ToHexStringLower(list._packed, offset, Bytes));
        }

        return list;
    }

    public IEnumerator<string> GetEnumerator() => _ids.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A coaching to start, kept in the user's state until its <see cref="ICoachingGrain.Start"/> succeeded.</summary>
[GenerateSerializer, Immutable]
public sealed record PendingCoachingStart([property: Id(0)] string CoachingId, [property: Id(1)] CoachingRequest Request);

/// <summary>
/// One user of one tenant (key "{tenant}/{userKey}"). Receives the user's event batches from the
/// <c>security-events</c> stream, drops events it has already seen, matches the tenant's campaigns, moves the risk
/// score and starts one coaching per matched campaign.
/// Invariants:
/// - An event id counts once: ids are remembered in a window of <see cref="DuplicateWindow"/> per user, persisted
///   with the score they changed, so a redelivered batch (at-least-once streams, a client's retry) changes nothing.
/// - A batch is acknowledged (OnNextAsync returns) only after its state is written, and that write holds the
///   coachings it decided on (the outbox, <see cref="UserState.PendingStarts"/>); they are started after it and leave
///   the outbox once started (grains/README.md, "Acknowledge after durable, start from an outbox"). A batch that fails
///   midway deactivates the grain, so its redelivery meets the last written state, not a half-scored one.
/// - One write per batch (a batch is all the events one request had for this user), or, with
///   <see cref="UserStateOptions.WriteBehind"/>, one per batch that starts a coaching and otherwise one per
///   <see cref="ConfirmPersisted"/>: the stream provider deletes a message only after the user confirmed it, so a batch
///   is still acknowledged only once its state is written. A crash before the write loses the activation's unwritten
///   batches and their messages come back; the next activation, reading the last written state, counts them once.
/// - A campaign's delivery limit is claimed when the event is scored, in event order, in the batch's write: of two
///   events inside one limit window, the first one's coaching is the one delivered.
/// - Each batch tells the silo's <see cref="ProcessingLag"/> how long it waited in the stream, which is what ingest's
///   backpressure decides from.
/// - The user watches the coachings it started: their ids are listed in the batch's write, and before that write a
///   reminder (one per user, not per coaching) is registered; each tick asks the listed coachings to go on, which
///   brings back one whose silo died. A coaching that ended, or that waits on its own reminder, leaves the list; an
///   empty list unregisters the reminder. So the happy path of a coaching costs no reminder of its own.
/// - Every coaching it started stays findable for an erasure (<see cref="Erase"/>): an id leaving the listed newest
///   <see cref="CoachingsListed"/> waits in <see cref="UserState.UnlistedCoachings"/> and goes, <see cref="IndexBatch"/>
///   at a time and before the batch's write, to the user's <see cref="IUserCoachingIndexGrain"/>.
/// </summary>
[ImplicitStreamSubscription(SecurityEventStreams.Namespace)]
public sealed partial class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> state,
    CampaignSetCache campaigns,
    ProcessingLag processingLag,
    TimeProvider time,
    CoachingStartLimiter startLimiter,
    IOptions<RiskOptions> riskOptions,
    IOptions<UserStateOptions> stateOptions,
    IAuditLog audit,
    ILogger<UserGrain> logger)
    : Grain, IUserGrain, IStreamSubscriptionObserver, IAsyncObserver<SecurityEventBatch>, IRemindable
{
    /// <summary>How many recent event ids each user remembers for de-duplication.</summary>
    public const int DuplicateWindow = 1024;

    /// <summary>How many coachings the user's view lists (the newest).</summary>
    public const int CoachingsListed = 50;

    /// <summary>Coachings one user may have running (watched) at once; a match past it starts none (<see cref="UserState.CoachingsOverQuota"/>).</summary>
    public const int MaxWatchedCoachings = 1_000;

    private const string WatchReminder = "watch-coachings";

    /// <summary>Orleans' shortest reminder period: a coaching whose silo died resumes within about this long.</summary>
    private static readonly TimeSpan WatchPeriod = TimeSpan.FromMinutes(1);

    private static readonly JsonDocumentOptions EventJson = new() { MaxDepth = SecurityEvent.MaxJsonDepth };

    private string _tenantId = "";
    private string _userKey = "";
    private HashSet<ulong> _seen = [];

    /// <summary>With write-behind: scored batches changed the state since the last write.</summary>
    private bool _dirty;

    /// <summary>With write-behind: the batches this activation applied, what it may vouch for.</summary>
    private readonly AppliedBatches _applied = new(time);

    /// <summary>True once this activation has registered the watch reminder.</summary>
    private bool _watching;

    /// <summary>Starts the outbox's coachings again after a failed start (one timer, re-armed with a growing delay).</summary>
    private IGrainTimer? _startRetry;
    private TimeSpan _startRetryDelay = FirstStartRetry;

    private static readonly TimeSpan FirstStartRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// True when the outbox or the watch list lost entries since the last write (a start answered, a coaching ended):
    /// the next watch tick writes them away, so a later activation does not start or wake ended coachings again.
    /// </summary>
    private bool _unsaved;

    /// <summary>The starts sent from a batch and not yet answered: an erasure waits for them (<see cref="CoachingsToErase"/>).</summary>
    private Task _startsInFlight = Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _userKey) = GrainKeys.Split(this.GetPrimaryKeyString());
        _seen = [.. state.State.RecentEventHashes];
        if (state.State.PendingStarts.Count > 0)
        {
            // A previous activation wrote them and may have died before starting them.
            RetryStartsIn(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<SecurityEventBatch>().ResumeAsync(this);

    public async Task OnNextAsync(SecurityEventBatch item, StreamSequenceToken? token = null)
    {
        processingLag.Started(item.PublishedAtMs);
        try
        {
            await Score(item);
        }
        catch
        {
            // The batch was not acknowledged and will be delivered again, but this activation's state already
            // holds part of it (ids marked seen, counts moved): scoring the redelivery here would skip those
            // events. A fresh activation re-reads the last written state, so the redelivery counts them once. Nor is
            // what it holds unwritten written on deactivation: the batches behind it come back too.
            _dirty = false;
            _applied.ForgetUnconfirmed();
            DeactivateOnIdle();
            throw;
        }

        if (stateOptions.Value.WriteBehind && token is EventSequenceTokenV2 applied)
        {
            _applied.Applied(applied.SequenceNumber);
        }
    }

    public async Task<bool> ConfirmPersisted(List<long> sequenceNumbers)
    {
        if (_dirty)
        {
            await WriteAsync();
        }

        return _applied.Confirm(sequenceNumbers);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            try
            {
                // Not needed for correctness (unconfirmed messages come back), but it spares their redelivery.
                await WriteAsync();
            }
            catch (Exception e)
            {
                LogDeactivationWriteFailed(e, _tenantId, _userKey);
            }
        }
    }

    /// <summary>Writes the whole state, which holds every batch applied so far.</summary>
    private async Task WriteAsync()
    {
        await state.WriteStateAsync();
        _dirty = false;
    }

    private async Task Score(SecurityEventBatch item)
    {
        var set = await campaigns.GetAsync(_tenantId);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        List<PendingCoachingStart>? starts = null;
        var scored = 0;
        var duplicates = 0;
        var overQuota = 0;

        foreach (var evt in item.Events)
        {
            if (!string.Equals(evt.TenantId, _tenantId, StringComparison.Ordinal) || !string.Equals(evt.UserKey, _userKey, StringComparison.Ordinal))
            {
                // The stream id is derived from these two, so this means a bug upstream; never let it cross tenants.
                LogForeignEvent(_tenantId, _userKey, evt.TenantId, evt.UserKey, evt.EventId);
                continue;
            }

            if (!Remember(evt.EventId))
            {
                duplicates++;
                continue;
            }

            scored++;
            var s = state.State;
            s.EventCount++;
            s.LastEventAtMs = Math.Max(s.LastEventAtMs ?? long.MinValue, evt.TimeMs);
            if (set.Campaigns.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(evt.Json, EventJson);
            foreach (var compiled in set.Campaigns)
            {
                if (!compiled.Pattern.Matches(document.RootElement))
                {
                    continue;
                }

                var riskBefore = AddRisk(compiled.Campaign.Definition.RiskWeight, now);
                var coachingId = CoachingIds.For(_userKey, evt.EventId, compiled.Campaign.CampaignId);
                if (audit.Enabled)
                {
                    audit.Record(_tenantId, AuditKinds.Score,
                        new ScoreAudit(evt, compiled.Campaign, coachingId, riskBefore, state.State.RiskScore), WriteScore);
                }

                // Scored in any case; started only within the tenant's quotas, so one request of many events that
                // match many campaigns cannot start millions of coachings.
                if ((starts?.Count ?? 0) >= set.Quotas.CoachingsPerBatch
                    || state.State.WatchedCoachings.Count >= MaxWatchedCoachings
                    || !startLimiter.TryTake(_tenantId, set.Quotas.CoachingStartsPerMinute))
                {
                    overQuota++;
                    continue;
                }

                (starts ??= []).Add(Decide(compiled, set, evt, coachingId, now));
            }
        }

        if (duplicates > 0)
        {
            UserGrainMetrics.Duplicates.Add(duplicates);
        }

        if (scored == 0)
        {
            return;
        }

        if (overQuota > 0)
        {
            state.State.CoachingsOverQuota += overQuota;
            LogOverQuota(_tenantId, _userKey, overQuota, set.Quotas.CoachingsPerBatch, set.Quotas.CoachingStartsPerMinute);
        }

        if (starts is not null)
        {
            await WatchCoachings();
        }

        if (starts is null && stateOptions.Value.WriteBehind)
        {
            _dirty = true;
            UserGrainMetrics.Scored.Add(scored);
            return;
        }

        await IndexUnlistedCoachings();
        _unsaved = false;
        await WriteAsync();
        UserGrainMetrics.Scored.Add(scored);
        if (starts is not null)
        {
            // Outside the batch's turn: the outbox is durable, and waiting here for each coaching's activation and
            // first write held every next batch of this user's stream (a busy user's batches queued for seconds).
            foreach (var start in starts)
            {
                StartInBackground(start);
            }
        }
    }

    /// <summary>
    /// Starts one coaching of the outbox; true once it has started (or had already: Start is idempotent), and the
    /// outbox then forgets it (written with the next write). A failure leaves it there and retries later.
    /// </summary>
    private async Task<bool> TryStart(PendingCoachingStart pending)
    {
        try
        {
            await GrainFactory.Reference<ICoachingGrain>(GrainKeys.Coaching(_tenantId, pending.CoachingId)).Start(pending.Request);
        }
        catch (Exception e)
        {
            LogStartFailed(e, _tenantId, _userKey, pending.CoachingId, _startRetryDelay);
            RetryStartsIn(_startRetryDelay);
            return false;
        }

        _unsaved |= state.State.PendingStarts.RemoveAll(p => p.CoachingId == pending.CoachingId) > 0;
        return true;
    }

    private void RetryStartsIn(TimeSpan due)
    {
        if (_startRetry is null)
        {
            _startRetry = this.RegisterGrainTimer(static (grain, _) => grain.StartPending(), this,
                new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _startRetry.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Starts every coaching still in the outbox and, when they all started, writes the emptied outbox.</summary>
    private async Task StartPending()
    {
        var pending = state.State.PendingStarts.ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        var started = await Task.WhenAll(pending.Select(TryStart));
        if (Array.TrueForAll(started, ok => ok))
        {
            _startRetryDelay = FirstStartRetry;
            _unsaved = false;
            await WriteAsync();
        }
        else
        {
            _startRetryDelay = TimeSpan.FromTicks(Math.Min(_startRetryDelay.Ticks * 2, WatchPeriod.Ticks));
        }
    }

    /// <summary>
    /// Registers the watch reminder (once per activation: re-registering is idempotent, and a fresh activation cannot
    /// know whether a crash came between a registration and the write that followed it). Before the batch's write,
    /// so a batch is acknowledged only once its coachings have a durable wake-up.
    /// </summary>
    private async Task WatchCoachings()
    {
        if (!_watching)
        {
            await this.RegisterOrUpdateReminder(WatchReminder, WatchPeriod, WatchPeriod);
            _watching = true;
        }
    }

    /// <summary>
    /// The watch: every coaching still listed is asked to go on (which reactivates one whose silo died, and re-arms
    /// its schedule); those that have ended or keep their own reminder are dropped; with none left, the reminder goes.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await StartPending();
        var s = state.State;
        var watched = s.WatchedCoachings.ToArray();
        var stillWatched = await Task.WhenAll(watched.Select(id => GrainFactory.Reference<ICoachingGrain>(GrainKeys.Coaching(_tenantId, id)).Watch()));
        // A coaching still in the outbox has not started yet, so its Watch says false: it stays watched.
        var keep = watched.Where((id, i) => stillWatched[i] || s.PendingStarts.Exists(p => p.CoachingId == id)).ToList();
        if (keep.Count != watched.Length || _unsaved)
        {
            // No batch ran meanwhile (this grain is not reentrant), so the list is still the snapshot.
            s.WatchedCoachings = new(keep);
            _unsaved = false;
            await WriteAsync();
        }

        if (s.WatchedCoachings.Count == 0 && await this.GetReminder(WatchReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _watching = false;
        }
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex, this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<UserView?> GetView()
    {
        var s = state.State;
        if (s.EventCount == 0)
        {
            return null;
        }

        var summaries = await Task.WhenAll(s.CoachingIds.Select(id =>
            GrainFactory.Reference<ICoachingGrain>(GrainKeys.Coaching(_tenantId, id)).GetSummary()));
        var coachings = summaries.OfType<CoachingSummary>().ToArray();

        var score = RiskScore.DecayTo(s.RiskScore, s.RiskUpdatedAtMs, time.GetUtcNow().ToUnixTimeMilliseconds(), riskOptions.Value.HalfLife);
        var lastEventAt = s.LastEventAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        return new UserView(_userKey, Math.Round(score, 2), s.EventCount, lastEventAt, coachings) { CoachingsOverQuota = s.CoachingsOverQuota };
    }

    /// <summary>Adds the id to the window; false when it was already there.</summary>
    private bool Remember(string eventId)
    {
        var hash = EventIdHash.Of(eventId);
        if (!_seen.Add(hash))
        {
            return false;
        }

        var hashes = state.State.RecentEventHashes;
        if (hashes.Count >= DuplicateWindow)
        {
            _seen.Remove(hashes[0]);
            hashes.RemoveOldest();
        }

        hashes.Add(hash);
        return true;
    }

    /// <summary>Adds the weight to the decayed score; returns the decayed score before it.</summary>
    private double AddRisk(double weight, long nowMs)
    {
        var s = state.State;
        var before = RiskScore.DecayTo(s.RiskScore, s.RiskUpdatedAtMs, nowMs, riskOptions.Value.HalfLife);
        s.RiskScore = before + weight;
        s.RiskUpdatedAtMs = Math.Max(s.RiskUpdatedAtMs, nowMs);
        return before;
    }

    /// <summary>What <see cref="AuditKinds.Score"/> records of one campaign matching one event.</summary>
    private readonly record struct ScoreAudit(SecurityEvent Event, StoredCampaign Campaign, string CoachingId, double RiskBefore, double RiskAfter);

    private static readonly Action<Utf8JsonWriter, ScoreAudit> WriteScore = static (writer, a) =>
    {
        writer.WriteString("event_id", a.Event.EventId);
        writer.WriteString("user", a.Event.UserKey);
        writer.WriteString("campaign_id", a.Campaign.CampaignId);
        writer.WriteNumber("campaign_version", a.Campaign.Version);
        writer.WriteNumber("risk_weight", a.Campaign.Definition.RiskWeight);
        writer.WriteNumber("risk_before", Math.Round(a.RiskBefore, 4));
        writer.WriteNumber("risk_after", Math.Round(a.RiskAfter, 4));
        writer.WriteString("coaching_id", a.CoachingId);
    };

    /// <summary>Lists, watches and puts in the outbox the coaching of one matched campaign; started after the batch's write.</summary>
    private PendingCoachingStart Decide(CompiledCampaign compiled, CompiledCampaignSet set, SecurityEvent evt, string coachingId, long nowMs)
    {
        var s = state.State;
        var (campaign, definition) = (compiled.Campaign, compiled.Campaign.Definition);
        if (definition is { DeliveryLimit: { } limit, TestMode: false })
        {
            // Claimed here, in event order, and written with the batch: of two events inside one limit window the
            // first one's coaching is delivered (when the coachings claimed it, whichever reached its delivery-limit
            // step first won). The step then finds the claim: ClaimDelivery answers its holder true.
            TryClaimDelivery(campaign.CampaignId, coachingId, limit, nowMs);
        }

        s.CoachingIds.Add(coachingId);
        if (s.CoachingIds.Count > CoachingsListed)
        {
            s.UnlistedCoachings.Add(s.CoachingIds[0]);
            s.CoachingIds.RemoveAt(0);
        }

        s.WatchedCoachings.Add(coachingId);

        var request = new CoachingRequest(_tenantId, _userKey, campaign.CampaignId, campaign.Version, definition.Tip, definition.Channels, evt,
            definition.DeliveryLimit, definition.TestMode, definition.Workflow, compiled.Workflow?.Definition, set.QuietHours, s.Preferences,
            WatchedByUser: true, Retention: set.EndedCoachingRetention);
        var pending = new PendingCoachingStart(coachingId, request);
        s.PendingStarts.Add(pending);
        return pending;
    }

    public Task CoachingEnded(string coachingId)
    {
        // Kept in memory until the next write: the watch list carried every coaching of the last minute, rewritten
        // with each batch, and each tick woke every ended coaching only to hear that it had ended.
        _unsaved |= state.State.WatchedCoachings.Remove(coachingId);
        return Task.CompletedTask;
    }

    public async Task<bool> ClaimDelivery(string campaignId, string coachingId, TimeSpan limit, long atMs)
    {
        switch (TryClaimDelivery(campaignId, coachingId, limit, atMs))
        {
            case DeliveryClaim.Held:
                return true;
            case DeliveryClaim.Taken:
                await WriteAsync();
                return true;
            default:
                return false;
        }
    }

    private enum DeliveryClaim
    {
        /// <summary>This coaching already holds the campaign's limit clock.</summary>
        Held,

        /// <summary>The clock was free and now runs for this coaching (in memory: the caller writes).</summary>
        Taken,

        /// <summary>Another coaching of the campaign holds it, inside the limit.</summary>
        Refused,
    }

    private DeliveryClaim TryClaimDelivery(string campaignId, string coachingId, TimeSpan limit, long atMs)
    {
        var s = state.State;
        if (s.LastCoachedBy.TryGetValue(campaignId, out var holder) && holder == coachingId)
        {
            return DeliveryClaim.Held;
        }

        if (s.LastCoachedAtMs.TryGetValue(campaignId, out var last) && atMs - last < (long)limit.TotalMilliseconds)
        {
            return DeliveryClaim.Refused;
        }

        s.LastCoachedAtMs[campaignId] = atMs;
        s.LastCoachedBy[campaignId] = coachingId;
        return DeliveryClaim.Taken;
    }

    public async Task<FieldError[]> SetPreferences(UserPreferences preferences)
    {
        var errors = new List<FieldError>();
        if (preferences.TimeZone is { } zone && QuietHoursPolicy.ValidateTimeZone(zone) is { } problem)
        {
            errors.Add(new FieldError("timeZone", problem));
        }

        if (preferences.QuietHours is { } hours)
        {
            errors.AddRange(QuietHoursPolicy.Validate(hours, "quietHours"));
        }

        if (errors.Count > 0)
        {
            return [.. errors];
        }

        state.State.Preferences = preferences;
        await WriteAsync();
        return [];
    }

    public Task<UserPreferences> GetPreferences() => Task.FromResult(state.State.Preferences ?? new UserPreferences(null, null));

    [LoggerMessage(Level = LogLevel.Warning, Message = "User grain {TenantId}/{UserKey} could not write its state on deactivation; its unconfirmed batches will be delivered again")]
    private partial void LogDeactivationWriteFailed(Exception exception, string tenantId, string userKey);

    [LoggerMessage(Level = LogLevel.Error, Message = "User grain {TenantId}/{UserKey} received event {EventId} of {OtherTenant}/{OtherUser}; dropped")]
    private partial void LogForeignEvent(string tenantId, string userKey, string otherTenant, string otherUser, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {TenantId}/{UserKey}: starting coaching {CoachingId} failed; it stays in the outbox and is tried again in {RetryIn}")]
    private partial void LogStartFailed(Exception exception, string tenantId, string userKey, string coachingId, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {TenantId}/{UserKey}: {Matches} matches started no coaching: over the tenant's quotas (CoachingsPerBatch {PerBatch}, CoachingStartsPerMinute {PerMinute} on this silo) or the user's {MaxWatched} running coachings")]
    private partial void LogOverQuota(string tenantId, string userKey, int matches, int perBatch, int perMinute, int maxWatched = MaxWatchedCoachings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream error for user {UserGrain}")]
    private partial void LogStreamError(Exception exception, string userGrain);
}
