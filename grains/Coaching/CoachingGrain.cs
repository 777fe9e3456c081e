using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecurityCoach.Notifications;

namespace SecurityCoach.Coaching;

/// <summary>A coaching's persisted state.</summary>
[GenerateSerializer]
public sealed class CoachingState
{
    [Id(0)] public CoachingRequest? Request { get; set; }

    [Id(1)] public CoachingStatus Status { get; set; }

    [Id(2)] public int Attempts { get; set; }

    [Id(3)] public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Indexes of the request's channels that accepted the tip; a retry sends only to the others.</summary>
    [Id(4)] public List<int> DeliveredChannels { get; set; } = [];

    [Id(5)] public List<DeliveryAttempt> History { get; set; } = [];

    /// <summary>When the next attempt is due (Pending only), so a new activation resumes the schedule.</summary>
    [Id(6)] public DateTimeOffset? NextAttemptAt { get; set; }

    [Id(7)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Attempts made before the current round: a retry of a Failed coaching starts a new round of the policy.</summary>
    [Id(8)] public int AttemptsBeforeRound { get; set; }

    /// <summary>True once a Failed coaching is on the tenant's failure list.</summary>
    [Id(9)] public bool FailureReported { get; set; }
}

/// <summary>
/// Delivers one campaign's tip for one event: render → deliver to every channel → record, retrying failed
/// channels with exponential backoff (<see cref="CoachingOptions"/>).
/// Invariants:
/// - Start is idempotent: the first request is kept, later ones (replays) return the current summary.
/// - State is written before the next attempt is scheduled, so a new activation resumes where the last one was.
/// - Attempts run on a grain timer (sub-second to minutes). While delivery is pending, a reminder (at least one
///   minute, as Orleans requires) is registered as a safety net: if the activation is lost, the reminder wakes the
///   grain, which re-arms the timer from the persisted schedule.
/// - A channel that accepted the tip is never sent it again by this grain; a delivery whose answer was lost is
///   repeated with the same Idempotency-Key (the coaching id), which the receiver uses to drop the repeat.
/// </summary>
public sealed partial class CoachingGrain(
    [PersistentState("coaching")] IPersistentState<CoachingState> state,
    ChannelRegistry channels,
    IOptions<CoachingOptions> options,
    TimeProvider time,
    IAuditLog audit,
    ILogger<CoachingGrain> logger) : Grain, ICoachingGrain, IRemindable
{
    private const string RetryReminder = "coaching-retry";

    private IGrainTimer? _timer;
    private string _coachingId = "";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _coachingId = GrainKeys.Split(this.GetPrimaryKeyString()).Id;
        if (state.State is { Status: CoachingStatus.Pending, Request: not null })
        {
            ArmTimer(state.State.NextAttemptAt ?? time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public async Task<CoachingSummary> Start(CoachingRequest request)
    {
        if (state.State.Request is not null)
        {
            return Summary();
        }

        var now = time.GetUtcNow();
        state.State = new CoachingState
        {
            Request = request,
            Status = request.InitialStatus,
            CreatedAt = now,
            NextAttemptAt = request.InitialStatus == CoachingStatus.Pending ? now : null,
        };
        await state.WriteStateAsync();
        LogStarted(request.TenantId, _coachingId, request.CampaignId, request.Event.EventId, request.InitialStatus);
        if (request.InitialStatus != CoachingStatus.Pending)
        {
            // Suppressed and Simulated are final at birth; Pending ends in AttemptDelivery.
            AuditOutcome(null);
        }

        if (request.InitialStatus == CoachingStatus.Pending)
        {
            // The reminder is the durable wake-up: if this activation is lost before delivery ends, it brings the
            // grain back to resume from the persisted schedule.
            await this.RegisterOrUpdateReminder(RetryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            // Delivery runs on the timer, not in this call, so the user grain's event batch is not held up by a
            // slow webhook.
            ArmTimer(now);
        }

        return Summary();
    }

    public Task<CoachingView?> GetView()
    {
        if (state.State.Request is not { } request)
        {
            return Task.FromResult<CoachingView?>(null);
        }

        return Task.FromResult<CoachingView?>(new CoachingView(Summary(), request.UserKey, [.. state.State.History]));
    }

    public async Task<CoachingSummary?> Retry()
    {
        var s = state.State;
        if (s is not { Status: CoachingStatus.Failed, Request: { } request })
        {
            return null;
        }

        var now = time.GetUtcNow();
        s.Status = CoachingStatus.Pending;
        s.AttemptsBeforeRound = s.Attempts;
        s.FailureReported = false;
        s.NextAttemptAt = now;
        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(RetryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<ICoachingFailuresGrain>(request.TenantId).Resumed(_coachingId);
        ArmTimer(now);
        return Summary();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Status != CoachingStatus.Pending)
        {
            await Finish();
            return;
        }

        // OnActivateAsync has armed the timer if this tick activated the grain; an armed timer is left alone.
        if (_timer is null)
        {
            ArmTimer(state.State.NextAttemptAt ?? time.GetUtcNow());
        }
    }

    /// <summary>One timer per activation, re-armed for each attempt (disposing it would cancel a running attempt).</summary>
    private void ArmTimer(DateTimeOffset dueAt)
    {
        var due = dueAt - time.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(
                static (grain, cancellationToken) => grain.AttemptDelivery(cancellationToken),
                this,
                new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task AttemptDelivery(CancellationToken cancellationToken)
    {
        var s = state.State;
        if (s is not { Status: CoachingStatus.Pending, Request: { } request })
        {
            return;
        }

        var tip = TipRenderer.Render(request.Tip, request.Event.Json);
        var message = new CoachingMessage(_coachingId, request.TenantId, request.UserKey, request.CampaignId, request.Event.EventId, tip, request.Event.Json);
        string? error = null;
        TimeSpan? askedToWait = null;
        for (var i = 0; i < request.Channels.Length; i++)
        {
            if (s.DeliveredChannels.Contains(i))
            {
                continue;
            }

            var result = await Send(request.Channels[i], message, cancellationToken);
            if (result.Delivered)
            {
                s.DeliveredChannels.Add(i);
                continue;
            }

            var failure = $"channels[{i}]: {result.ErrorName}: {result.Error}";
            error = error is null ? failure : $"{error}; {failure}";
            if (result.RetryAfter > askedToWait.GetValueOrDefault())
            {
                askedToWait = result.RetryAfter;
            }
        }

        var now = time.GetUtcNow();
        s.Attempts++;
        TimeSpan? retryIn = null;
        if (error is null)
        {
            s.Status = CoachingStatus.Delivered;
            s.DeliveredAt = now;
            s.NextAttemptAt = null;
            LogDelivered(request.TenantId, _coachingId, request.CampaignId, request.UserKey, s.Attempts);
        }
        else if (s.Attempts - s.AttemptsBeforeRound >= options.Value.MaxAttempts)
        {
            s.Status = CoachingStatus.Failed;
            s.NextAttemptAt = null;
            LogFailed(request.TenantId, _coachingId, request.CampaignId, request.UserKey, s.Attempts, error);
        }
        else
        {
            // A receiver that asked for a pause (429 Retry-After) gets at least that pause.
            retryIn = options.Value.RetryDelay(s.Attempts - s.AttemptsBeforeRound);
            if (askedToWait > retryIn)
            {
                retryIn = askedToWait;
            }

            s.NextAttemptAt = now + retryIn;
            LogRetrying(request.TenantId, _coachingId, s.Attempts, retryIn.Value, error);
        }

        s.History.Add(new DeliveryAttempt(s.Attempts, now, error is null, error, retryIn));
        // Not cancelled with the timer: an attempt that happened must be recorded even while the grain deactivates.
        await state.WriteStateAsync(CancellationToken.None);

        if (s.Status == CoachingStatus.Pending)
        {
            ArmTimer(s.NextAttemptAt!.Value);
        }
        else
        {
            AuditOutcome(error);
            // Done: the timer no longer keeps the activation alive.
            _timer?.Dispose();
            _timer = null;
            await Finish();
        }
    }

    /// <summary>
    /// The end of a coaching, as an outbox: a Failed coaching is reported to the tenant's failure list (which
    /// alerts) and only then marked reported; the reminder stays until that is done, so a crash in between
    /// ends with the reminder waking the grain, which reports again (the list ignores a repeat).
    /// </summary>
    private async Task Finish()
    {
        var s = state.State;
        if (s is { Status: CoachingStatus.Failed, FailureReported: false, Request: { } request })
        {
            var last = s.History.Count > 0 ? s.History[^1] : null;
            await GrainFactory.GetGrain<ICoachingFailuresGrain>(request.TenantId).Failed(
                new FailedCoaching(_coachingId, request.UserKey, request.CampaignId, request.Event.EventId, s.Attempts,
                    last?.At ?? time.GetUtcNow(), last?.Error ?? "unknown"),
                request.Event);
            s.FailureReported = true;
            await state.WriteStateAsync(CancellationToken.None);
        }

        await UnregisterRetryReminder();
    }

    private async Task<ChannelResult> Send(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken)
    {
        if (!channels.TryGet(channel.Type, out var sender))
        {
            return ChannelResult.Failed(ChannelErrors.Rejected, $"unknown channel type '{channel.Type}'");
        }

        try
        {
            return await sender.SendAsync(channel, message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A channel bug must count as a failed attempt, not kill the schedule.
            return ChannelResult.Failed(ChannelErrors.Transient, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task UnregisterRetryReminder()
    {
        if (await this.GetReminder(RetryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Records the final outcome (<see cref="AuditKinds.Coaching"/>), once the state saying it is written.</summary>
    private void AuditOutcome(string? error)
    {
        if (!audit.Enabled || state.State.Request is not { } request)
        {
            return;
        }

        audit.Record(request.TenantId, AuditKinds.Coaching, (State: state.State, Request: request, CoachingId: _coachingId, Error: error), static (writer, a) =>
        {
            var s = a.State;
            writer.WriteString("coaching_id", a.CoachingId);
            writer.WriteString("event_id", a.Request.Event.EventId);
            writer.WriteString("user", a.Request.UserKey);
            writer.WriteString("campaign_id", a.Request.CampaignId);
            writer.WriteNumber("campaign_version", a.Request.CampaignVersion);
            writer.WriteString("status", s.Status.ToString());
            writer.WriteNumber("attempts", s.Attempts);
            if (a.Error is not null)
            {
                writer.WriteString("error", a.Error);
            }
        });
    }

    private CoachingSummary Summary()
    {
        var s = state.State;
        var request = s.Request!;
        return new CoachingSummary(_coachingId, request.CampaignId, request.Event.EventId, s.Status, s.Attempts, s.DeliveredAt);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Coaching {TenantId}/{CoachingId} started for campaign {CampaignId}, event {EventId}: {Status}")]
    private partial void LogStarted(string tenantId, string coachingId, string campaignId, string eventId, CoachingStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coaching {TenantId}/{CoachingId} for campaign {CampaignId} delivered to {UserKey} at attempt {Attempt}")]
    private partial void LogDelivered(string tenantId, string coachingId, string campaignId, string userKey, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coaching {TenantId}/{CoachingId} attempt {Attempt} failed, retrying in {RetryIn}: {Error}")]
    private partial void LogRetrying(string tenantId, string coachingId, int attempt, TimeSpan retryIn, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Coaching {TenantId}/{CoachingId} for campaign {CampaignId}, user {UserKey} failed after {Attempts} attempts: {Error}")]
    private partial void LogFailed(string tenantId, string coachingId, string campaignId, string userKey, int attempts, string error);
}
