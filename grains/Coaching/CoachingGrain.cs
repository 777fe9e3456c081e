using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Notifications;
using SecurityCoach.Secrets;
using SecurityCoach.Workflow;

namespace SecurityCoach.Coaching;

/// <summary>A coaching's persisted state: the request, the workflow execution, and what the steps did.</summary>
[GenerateSerializer]
public sealed class CoachingState : SecurityCoach.Storage.IEndedState
{
    /// <summary>
    /// Ended for good: an outcome other than Failed (which an operator may retry) and no reminder of its own left.
    /// Storage that bounds its memory may forget such a record; a forgotten coaching reads as never started, which
    /// its user's view leaves out and its watch drops.
    /// </summary>
    bool SecurityCoach.Storage.IEndedState.HasEnded => Status is not (CoachingStatus.Pending or CoachingStatus.Failed) && !OwnReminder;

    /// <summary>Set when the coaching ends: then plus its tenant's retention (<see cref="RetentionOptions"/>).</summary>
    [Id(16)] public DateTimeOffset? RetainUntil { get; set; }

    /// <summary>Still has work: running, or Failed and not yet reported to the tenant's failure list.</summary>
    public bool HasWorkLeft => Status == CoachingStatus.Pending || (Status == CoachingStatus.Failed && !FailureReported);

    [Id(0)] public CoachingRequest? Request { get; set; }

    [Id(1)] public CoachingStatus Status { get; set; }

    /// <summary>How many times a delivery step ran.</summary>
    [Id(2)] public int Attempts { get; set; }

    [Id(3)] public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Indexes of the request's channels that accepted the tip; no step sends to them again.</summary>
    [Id(4)] public List<int> DeliveredChannels { get; set; } = [];

    [Id(5)] public List<DeliveryAttempt> History { get; set; } = [];

    /// <summary>When the workflow must next be advanced (wall clock; Pending only), so a new activation resumes it.</summary>
    [Id(6)] public DateTimeOffset? WakeAt { get; set; }

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    // Id 8 held the execution as JSON text, before it was stored in the binary format (Id 14); not reused.

    /// <summary>The workflow execution; null when the workflow could not start.</summary>
    [Id(14)] public ExecutionState? Execution { get; set; }

    /// <summary>True once a Failed coaching is on the tenant's failure list.</summary>
    [Id(9)] public bool FailureReported { get; set; }

    /// <summary>True once the workflow's alert step alerted the tenant (the failure list then does not alert again).</summary>
    [Id(10)] public bool AlertSent { get; set; }

    /// <summary>The outcome a record step wrote; the status when the workflow succeeds.</summary>
    [Id(11)] public CoachingStatus? RecordedOutcome { get; set; }

    /// <summary>The last delivery error (cleared by a delivery that succeeds), or why the workflow failed.</summary>
    [Id(12)] public string? LastError { get; set; }

    /// <summary>True while the coaching has a reminder of its own (a long wait, a retry asked through the API).</summary>
    [Id(13)] public bool OwnReminder { get; set; }

    /// <summary><see cref="Attempts"/> when the coaching was last retried through the API: the attempt limit counts from there.</summary>
    [Id(15)] public int AttemptsAtRetry { get; set; }
}

/// <summary>
/// Delivers one campaign's tip for one event by running a workflow (Amazon States Language, see grains/Workflow): the
/// campaign's stored definition or the built-in default. The engine decides; this grain persists, schedules and runs
/// the steps (<see cref="CoachingSteps"/>).
/// Invariants:
/// - Start is idempotent: the first request is kept, later ones (replays) return the current summary.
/// - The execution is persisted whenever the workflow stops (a wait, the end) and between two steps with effects
///   outside the grain (a delivery, an alert), so after a crash the next activation resumes from the last persisted
///   state: the steps after it run again with the same idempotency keys, and a channel that accepted the tip (per
///   the persisted list) is never sent it again. A delivery whose answer was lost to a crash is repeated with the
///   same Idempotency-Key (the coaching id), which the receiver uses to drop the repeat.
/// - Waits under a minute run on a grain timer; longer ones on a reminder of the coaching's own, so a coaching
///   waiting for the end of quiet hours holds no activation. Otherwise the safety net that wakes a coaching whose
///   activation or silo was lost is the user grain that started it (<see cref="Watch"/>, one reminder per user), so a
///   coaching's happy path registers no reminder.
/// - Start, GetView and Watch interleave with a running step: a step calls back into the user grain (delivery
///   limit), and the user grain calls these three, so without interleaving the two could wait on each other. None
///   changes a started coaching's state (Watch at most arms the timer).
/// - While its timer is armed (running, or waiting less than a minute) it counts as in progress on its silo
///   (<see cref="CoachingsInProgress"/>), and each run reports how late it started (<see cref="ProcessingLag"/>):
///   what ingest's backpressure decides from.
/// - A coaching that ends Failed is reported to the tenant's failure list (which alerts, unless the workflow's own
///   alert step did); until that is done its watcher (the user grain, or its own reminder) keeps waking it, so the
///   report is an outbox that survives a crash.
/// </summary>
public sealed partial class CoachingGrain(
    [PersistentState("coaching")] IPersistentState<CoachingState> state,
    ChannelRegistry channels,
    CoachingWorkflows workflows,
    ProcessingLag processingLag,
    CoachingsInProgress inProgress,
    IOptions<CoachingOptions> options,
    TimeProvider time,
    IAuditLog audit,
    ISecretProtector secrets,
    SecurityCoach.Campaigns.CampaignSetCache campaigns,
    IOptions<RetentionOptions> retention,
    ILogger<CoachingGrain> logger) : Grain, ICoachingGrain, IRemindable
{
    private const string WakeReminder = "coaching-wake";

    /// <summary>Task steps one turn of <see cref="Run"/> runs before it lets the scheduler's other work go first.</summary>
    private const int StepsPerTurn = 16;

    /// <summary>Orleans' shortest reminder period; waits at least this long go to the reminder instead of a timer.</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private IGrainTimer? _timer;

    /// <summary><see cref="CampaignTip"/>, once rendered (the request never changes once started).</summary>
    private CoachingTip? _campaignTip;

    /// <summary>When the armed timer was due (Unix ms): how late its run starts is reported to <see cref="ProcessingLag"/>.</summary>
    private long _timerDueAtMs;

    private string _tenantId = "";
    private string _coachingId = "";

    /// <summary>A channel's Retry-After: the next wake-up is not earlier, whatever the retrier says.</summary>
    private DateTimeOffset? _notBefore;

    /// <summary>False while the last delivery attempt failed and the wait before its retry is not yet in its record.</summary>
    private bool _retryNoted = true;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _coachingId) = GrainKeys.Split(this.GetPrimaryKeyString());
        if (PastRetention())
        {
            // Kept as long as its tenant wanted: deleted now rather than left for storage to expire.
            await state.ClearStateAsync(cancellationToken);
            return;
        }

        if (state.State is { Status: CoachingStatus.Pending, Request: not null, WakeAt: { } wakeAt } && wakeAt - time.GetUtcNow() < ReminderPeriod)
        {
            ArmTimer(wakeAt);
        }
    }

    /// <summary>An ended coaching older than its retention reads as never started.</summary>
    private bool PastRetention() =>
        state.State is { Status: not CoachingStatus.Pending, RetainUntil: { } until } && until <= time.GetUtcNow();

    public async Task<CoachingSummary> Start(CoachingRequest request)
    {
        if (state.State.Request is not null)
        {
            return Summary();
        }

        var now = time.GetUtcNow();
        var s = new CoachingState { Request = request, Status = CoachingStatus.Pending, CreatedAt = now, WakeAt = now };
        state.State = s;
        var engine = EngineOrProblem(request, out var problem);
        if (engine is not null)
        {
            s.Execution = engine.Start(_coachingId, WorkflowInput(request), now);
        }
        else
        {
            s.Status = CoachingStatus.Failed;
            s.WakeAt = null;
            s.LastError = problem;
        }

        await state.WriteStateAsync();
        LogStarted(request.TenantId, _coachingId, request.CampaignId, request.Event.EventId, request.WorkflowName ?? WorkflowRules.DefaultName);
        // No reminder of its own: the user grain that started it watches it (UserGrain.WatchedCoachings).
        if (s.Status == CoachingStatus.Pending)
        {
            // The workflow runs on the timer, not in this call, so the user grain's batch is not held up by a step.
            ArmTimer(now);
        }
        else
        {
            LogFailed(request.TenantId, _coachingId, request.CampaignId, request.UserKey, s.Attempts, problem!);
            AuditOutcome();
            await Finish();
        }

        return Summary();
    }

    public Task<CoachingView?> GetView()
    {
        LeaveAfterReadIfDone();
        if (state.State.Request is not { } request || PastRetention())
        {
            return Task.FromResult<CoachingView?>(null);
        }

        var trace = state.State.Execution?.HistoryToJson() ?? "[]";
        return Task.FromResult<CoachingView?>(new CoachingView(Summary(), request.UserKey, [.. state.State.History],
            request.WorkflowName ?? WorkflowRules.DefaultName, trace));
    }

    public Task<CoachingSummary?> GetSummary()
    {
        LeaveAfterReadIfDone();
        return Task.FromResult(state.State.Request is null || PastRetention() ? null : Summary());
    }

    /// <summary>
    /// A read of a coaching that has nothing left to do (ended and reported, or never started) lets its activation go
    /// right after, as <see cref="End"/> does: an API client or a user view reading old coachings would otherwise hold
    /// each one's whole execution in memory until idle collection (and keep a record its storage forgot readable).
    /// </summary>
    private void LeaveAfterReadIfDone()
    {
        if (state.State is { Request: null } or { HasWorkLeft: false })
        {
            DeactivateOnIdle();
        }
    }

    public Task<bool> Watch()
    {
        var s = state.State;
        if (s.Request is null || s.OwnReminder || !s.HasWorkLeft)
        {
            return Task.FromResult(false);
        }

        // Running, or Failed and not yet reported: the timer does the rest (never two at once: an armed timer stays).
        if (_timer is null)
        {
            ArmTimer(s.WakeAt ?? time.GetUtcNow());
        }

        return Task.FromResult(true);
    }

    public async Task<CoachingSummary?> Retry()
    {
        var s = state.State;
        if (s is not { Status: CoachingStatus.Failed, Request: { } request }
            || EngineOrProblem(request, out _) is not { } engine
            || s.Execution is not { } execution
            || engine.Redrive(execution, WorkflowNow()) is not { } resumedAt)
        {
            return null;
        }

        var now = time.GetUtcNow();
        s.Request = await WithCurrentChannels(request);
        s.Status = CoachingStatus.Pending;
        s.FailureReported = false;
        s.AlertSent = false;
        s.AttemptsAtRetry = s.Attempts;
        s.RetainUntil = null;
        s.RecordedOutcome = null;
        s.WakeAt = now;
        // The user grain no longer watches a coaching that ended: a resumed one keeps its own wake-up.
        s.OwnReminder = true;
        await Persist();
        await this.RegisterOrUpdateReminder(WakeReminder, ReminderPeriod, ReminderPeriod);
        await GrainFactory.Reference<ICoachingFailuresGrain>(request.TenantId).Resumed(_coachingId);
        LogResumed(request.TenantId, _coachingId, resumedAt);
        ArmTimer(now);
        return Summary();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var s = state.State;
        if (s.Status != CoachingStatus.Pending)
        {
            await Finish();
            return;
        }

        // An armed timer is left alone; a wake-up more than a minute away waits for a later tick.
        var wakeAt = s.WakeAt ?? time.GetUtcNow();
        if (_timer is null && wakeAt - time.GetUtcNow() < ReminderPeriod)
        {
            ArmTimer(wakeAt);
        }
    }

    /// <summary>One timer per activation, re-armed for each wake-up (disposing it would cancel a running step).</summary>
    private void ArmTimer(DateTimeOffset dueAt)
    {
        var now = time.GetUtcNow();
        var due = dueAt - now;
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        // From the arming, not an older wake-up time: a coaching woken after a crash is not late work of this silo.
        _timerDueAtMs = (now + due).ToUnixTimeMilliseconds();

        if (_timer is null)
        {
            inProgress.Started(_tenantId);
            _timer = this.RegisterGrainTimer(
                static (grain, cancellationToken) => grain.Run(cancellationToken),
                this,
                new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// A retry through the API sends with the campaign's channels as they are now — a secret or a chat URL the tenant
    /// rotated since, not the one copied into this record — when the campaign still has channels of the same types in
    /// the same order (the record's list of channels that already took the tip refers to those positions); otherwise
    /// with the channels it started with.
    /// </summary>
    private async Task<CoachingRequest> WithCurrentChannels(CoachingRequest request)
    {
        var set = await campaigns.GetAsync(request.TenantId);
        var current = Array.Find(set.Campaigns, c => c.Campaign.CampaignId == request.CampaignId)?.Campaign.Definition.Channels;
        var sameShape = current is not null && current.Length == request.Channels.Length
            && current.Zip(request.Channels).All(p => string.Equals(p.First.Type, p.Second.Type, StringComparison.OrdinalIgnoreCase));
        return sameShape ? request with { Channels = current! } : request;
    }

    /// <summary>Stops the timer where the workflow stops (its end, a long wait) or the activation goes; the coaching is then no longer in progress here.</summary>
    private void DisarmTimer()
    {
        if (_timer is not null)
        {
            _timer.Dispose();
            _timer = null;
            inProgress.Ended(_tenantId);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The activation goes with its timer (idle collection, a failed run, the silo stopping): no longer in progress here.
        DisarmTimer();
        return Task.CompletedTask;
    }

    /// <summary>Advances the workflow as far as it goes now: runs its steps until it waits or ends.</summary>
    private async Task Run(CancellationToken cancellationToken)
    {
        processingLag.Started(_timerDueAtMs);
        var s = state.State;
        if (s is { Status: CoachingStatus.Failed, FailureReported: false, Request: not null })
        {
            // Woken by the user's watch after a crash between the end and the failure report.
            DisarmTimer();
            await Finish();
            return;
        }

        if (s is not { Status: CoachingStatus.Pending, Request: { } request, Execution: { } execution })
        {
            return;
        }

        var engine = EngineOrProblem(request, out var problem);
        if (engine is null)
        {
            await End(new WorkflowCommand.Failed("Coaching.WorkflowInvalid", problem));
            return;
        }

        try
        {
            WorkflowEvent? report = null;
            // True once a step with an outside effect ran since the last write: the next such step writes first.
            var unsavedEffect = false;
            var steps = 0;
            while (true)
            {
                var now = time.GetUtcNow();
                switch (engine.Advance(execution, WorkflowNow(now), report))
                {
                    case WorkflowCommand.RunTask task:
                        var (step, failureError) = workflows.Resolve(task.Resource);
                        var effect = CoachingSteps.WithOutsideEffect.Contains(step);
                        if (effect && unsavedEffect)
                        {
                            await Persist();
                            unsavedEffect = false;
                        }

                        report = await RunStep(step, failureError, task, cancellationToken);
                        unsavedEffect |= effect;
                        // Steps that finish synchronously must not keep the scheduler's thread for a whole workflow, and
                        // the transition limit already bounds a turn, so a yield every few steps is enough.
                        if (++steps % StepsPerTurn == 0)
                        {
                            await Task.Yield();
                        }

                        continue;
                    case WorkflowCommand.WaitUntil wait:
                        await WaitUntil(wait.Until, now);
                        return;
                    case var end:
                        await End(end);
                        return;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Memory may now be ahead of storage (a failed write): start over from what was persisted.
            LogRunFailed(e, request.TenantId, _coachingId);
            DeactivateOnIdle();
        }
    }

    /// <param name="workflowTime">When the workflow wants to go on, in workflow time.</param>
    /// <param name="now">The wall time the engine was advanced at, so the wait is exactly the engine's.</param>
    private async Task WaitUntil(DateTimeOffset workflowTime, DateTimeOffset now)
    {
        var s = state.State;
        var wakeAt = ToWallClock(workflowTime);
        if (_notBefore > wakeAt)
        {
            wakeAt = _notBefore.Value;
        }

        _notBefore = null;
        if (!_retryNoted)
        {
            _retryNoted = true;
            // Measured from the failed attempt: the pause the receiver sees between two attempts.
            var failed = s.History[^1];
            s.History[^1] = failed with { NextRetryIn = wakeAt - failed.At };
            LogRetrying(s.Request!.TenantId, _coachingId, failed.Number, wakeAt - failed.At, failed.Error ?? "");
        }

        s.WakeAt = wakeAt;
        var longWait = wakeAt - now >= ReminderPeriod;
        // Written before the reminder exists: a crash in between leaves a flag without a reminder, which Finish
        // tolerates; the reverse would leave a reminder nobody removes.
        s.OwnReminder |= longWait;
        await Persist();
        if (!longWait)
        {
            ArmTimer(wakeAt);
        }
        else
        {
            // A long wait (quiet hours) holds no activation: its own reminder brings the grain back when it ends.
            DisarmTimer();
            await this.RegisterOrUpdateReminder(WakeReminder, wakeAt - now, ReminderPeriod);
        }
    }

    private async Task End(WorkflowCommand end)
    {
        var s = state.State;
        var request = s.Request!;
        if (end is WorkflowCommand.Failed failed)
        {
            s.Status = CoachingStatus.Failed;
            var reason = failed.Cause is null ? failed.Error ?? "the workflow failed" : $"{failed.Error}: {failed.Cause}";
            // A limit that stopped the workflow says more than the delivery error before it.
            s.LastError = s.LastError is null || ErrorNames.IsTerminal(failed.Error ?? "") ? reason : s.LastError;
            LogFailed(request.TenantId, _coachingId, request.CampaignId, request.UserKey, s.Attempts, s.LastError);
        }
        else
        {
            s.Status = s.RecordedOutcome ?? (s.DeliveredChannels.Count > 0 ? CoachingStatus.Delivered : CoachingStatus.Completed);
            LogCompleted(request.TenantId, _coachingId, request.CampaignId, request.UserKey, s.Status, s.Attempts);
        }

        s.WakeAt = null;
        s.RetainUntil = time.GetUtcNow() + (request.Retention ?? retention.Value.EndedCoachings);
        await Persist();
        AuditOutcome();
        // Done: the timer no longer keeps the activation alive.
        DisarmTimer();
        await Finish();
        if (request.WatchedByUser)
        {
            GrainFactory.Reference<IUserGrain>(GrainKeys.User(request.TenantId, request.UserKey)).CoachingEnded(_coachingId).Ignore();
        }

        // An ended coaching is only read again when someone asks for it; its activation would hold the whole
        // execution in memory until idle collection.
        DeactivateOnIdle();
    }

    /// <summary>
    /// The end of a coaching, as an outbox: a Failed coaching is reported to the tenant's failure list and only then
    /// marked reported; the reminder stays until that is done, so a crash in between ends with the reminder waking
    /// the grain, which reports again (the list ignores a repeat).
    /// </summary>
    private async Task Finish()
    {
        var s = state.State;
        if (s is { Status: CoachingStatus.Failed, FailureReported: false, Request: { } request })
        {
            await GrainFactory.Reference<ICoachingFailuresGrain>(request.TenantId).Failed(Failure(), request.Event, alert: !s.AlertSent);
            s.FailureReported = true;
            await state.WriteStateAsync(CancellationToken.None);
        }

        if (s.OwnReminder)
        {
            if (await this.GetReminder(WakeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            s.OwnReminder = false;
            await state.WriteStateAsync(CancellationToken.None);
        }
    }

    private FailedCoaching Failure()
    {
        var s = state.State;
        var request = s.Request!;
        var at = s.History.Count > 0 ? s.History[^1].At : time.GetUtcNow();
        return new FailedCoaching(_coachingId, request.UserKey, request.CampaignId, request.Event.EventId, s.Attempts, at, s.LastError ?? "unknown");
    }

    private async Task Persist()
    {
        try
        {
            // Not cancelled with the timer: a step that happened must be recorded even while the grain deactivates.
            await state.WriteStateAsync(CancellationToken.None);
        }
        catch (InconsistentStateException) when (state.State.DeliveredChannels.Count > 0)
        {
            await KeepDeliveredChannels();
            throw;
        }
    }

    /// <summary>
    /// Another activation of this coaching wrote it since this one read it: Orleans can run two for a moment while the
    /// cluster changes, and a silo being stopped may still finish a turn. This activation's write is lost and its run
    /// starts over from the stored record (<see cref="Run"/>) — all but the one fact a repeat would show the user:
    /// which channels accepted the tip. Those are added to the stored record first, so the next run does not send
    /// them the tip again. (Seen in the silo-kill test: a survivor delivered, lost its write to the killed silo's
    /// late one, and delivered again.)
    /// </summary>
    private async Task KeepDeliveredChannels()
    {
        var ours = state.State.DeliveredChannels.ToArray();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await state.ReadStateAsync(CancellationToken.None);
            var stored = state.State;
            var missing = ours.Where(channel => !stored.DeliveredChannels.Contains(channel)).ToArray();
            if (stored.Request is null || missing.Length == 0)
            {
                return;
            }

            stored.DeliveredChannels.AddRange(missing);
            try
            {
                await state.WriteStateAsync(CancellationToken.None);
                LogDeliveredChannelsKept(stored.Request.TenantId, _coachingId, missing.Length);
                return;
            }
            catch (InconsistentStateException)
            {
                // Written again meanwhile: read the newer record and add ours to it.
            }
        }
    }

    /// <summary>The engine for the request's workflow, or null with the reason it cannot run.</summary>
    private WorkflowEngine? EngineOrProblem(CoachingRequest request, out string? problem)
    {
        problem = null;
        if (request.WorkflowName is { } name && request.WorkflowDefinition is null)
        {
            problem = $"Coaching.WorkflowNotFound: the campaign names workflow '{name}', which the tenant does not have";
            return null;
        }

        try
        {
            return workflows.EngineFor(request.WorkflowDefinition);
        }
        catch (InvalidOperationException e)
        {
            problem = $"Coaching.WorkflowInvalid: workflow '{request.WorkflowName}': {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// Workflow time: wall time sped up by <see cref="CoachingOptions.WorkflowClockRate"/> from the coaching's start
    /// (the identity at rate 1).
    /// </summary>
    private DateTimeOffset WorkflowNow(DateTimeOffset? wallNow = null)
    {
        var origin = state.State.CreatedAt;
        return origin + (((wallNow ?? time.GetUtcNow()) - origin) * options.Value.WorkflowClockRate);
    }

    private DateTimeOffset ToWallClock(DateTimeOffset workflowTime)
    {
        var origin = state.State.CreatedAt;
        return origin + ((workflowTime - origin) / options.Value.WorkflowClockRate);
    }

    /// <summary>Records the final outcome (<see cref="AuditKinds.Coaching"/>), once the state saying it is written.</summary>
    private void AuditOutcome()
    {
        if (!audit.Enabled || state.State.Request is not { } request)
        {
            return;
        }

        audit.Record(request.TenantId, AuditKinds.Coaching, (State: state.State, Request: request, CoachingId: _coachingId), static (writer, a) =>
        {
            var s = a.State;
            writer.WriteString("coaching_id", a.CoachingId);
            writer.WriteString("event_id", a.Request.Event.EventId);
            writer.WriteString("user", a.Request.UserKey);
            writer.WriteString("campaign_id", a.Request.CampaignId);
            writer.WriteNumber("campaign_version", a.Request.CampaignVersion);
            writer.WriteString("workflow", a.Request.WorkflowName ?? WorkflowRules.DefaultName);
            writer.WriteString("status", s.Status.ToString());
            writer.WriteNumber("attempts", s.Attempts);
            if (s.Status == CoachingStatus.Failed && s.LastError is not null)
            {
                writer.WriteString("error", s.LastError);
            }
        });
    }

    private CoachingSummary Summary()
    {
        var s = state.State;
        var request = s.Request!;
        return new CoachingSummary(_coachingId, request.CampaignId, request.Event.EventId, s.Status, s.Attempts, s.DeliveredAt);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Coaching {TenantId}/{CoachingId} started for campaign {CampaignId}, event {EventId}, workflow {Workflow}")]
    private partial void LogStarted(string tenantId, string coachingId, string campaignId, string eventId, string workflow);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coaching {TenantId}/{CoachingId} for campaign {CampaignId} and {UserKey} ended {Status} after {Attempts} delivery attempts")]
    private partial void LogCompleted(string tenantId, string coachingId, string campaignId, string userKey, CoachingStatus status, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coaching {TenantId}/{CoachingId} attempt {Attempt} failed, retrying in {RetryIn}: {Error}")]
    private partial void LogRetrying(string tenantId, string coachingId, int attempt, TimeSpan retryIn, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Coaching {TenantId}/{CoachingId} for campaign {CampaignId}, user {UserKey} failed after {Attempts} delivery attempts: {Error}")]
    private partial void LogFailed(string tenantId, string coachingId, string campaignId, string userKey, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coaching {TenantId}/{CoachingId} resumed at state {State}")]
    private partial void LogResumed(string tenantId, string coachingId, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Coaching {TenantId}/{CoachingId}: running the workflow failed; the grain resumes from its persisted state")]
    private partial void LogRunFailed(Exception exception, string tenantId, string coachingId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coaching {TenantId}/{CoachingId} was written by another activation; {Channels} channel(s) that accepted the tip added to its record so they are not sent it again")]
    private partial void LogDeliveredChannelsKept(string tenantId, string coachingId, int channels);
}
