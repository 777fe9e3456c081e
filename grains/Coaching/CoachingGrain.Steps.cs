using System.Text.Json.Nodes;
using System.Text.Json;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Notifications;
using SecurityCoach.Secrets;
using SecurityCoach.Workflow;

namespace SecurityCoach.Coaching;

/// <summary>The coaching steps a workflow's Task states run (<see cref="CoachingSteps"/>; grains/Coaching/README.md).</summary>
public sealed partial class CoachingGrain
{
    /// <summary>A step's answer before it becomes a workflow report: a JSON result, or an error name and cause.</summary>
    private readonly record struct StepOutcome(JsonNode? Result, string? Error, string? Cause)
    {
        public static StepOutcome Ok(JsonNode? result) => new(result, null, null);

        public static StepOutcome Fail(string error, string cause) => new(null, error, cause);
    }

    /// <summary>The execution's input: who, what and which campaign; small, since every state's input is kept in the trace.</summary>
    private JsonObject WorkflowInput(CoachingRequest request) => new()
    {
        ["coachingId"] = _coachingId,
        ["tenantId"] = request.TenantId,
        ["userKey"] = request.UserKey,
        ["campaignId"] = request.CampaignId,
        ["campaignVersion"] = request.CampaignVersion,
        ["eventId"] = request.Event.EventId,
        ["vendor"] = request.Event.Vendor,
        ["eventTime"] = DateTimeOffset.FromUnixTimeMilliseconds(request.Event.TimeMs),
    };

    private async Task<WorkflowEvent> RunStep(string step, string? failureError, WorkflowCommand.RunTask task, CancellationToken cancellationToken)
    {
        // Only a failed delivery followed directly by the retrier's wait gets that wait in its record.
        _retryNoted = true;
        StepOutcome outcome;
        try
        {
            // Parsed only by the steps that read their input: most read the coaching itself.
            JsonNode? Input() => JsonNode.Parse(task.InputJson);
            outcome = step switch
            {
                CoachingSteps.CheckRules => CheckRules(),
                CoachingSteps.TestMode => StepOutcome.Ok(new JsonObject { ["testMode"] = state.State.Request!.TestMode }),
                CoachingSteps.DeliveryLimit => await DeliveryLimit(),
                CoachingSteps.QuietHours => QuietHoursStep(),
                CoachingSteps.RenderTip => RenderTip(),
                CoachingSteps.Deliver => await Deliver(null, Input(), cancellationToken),
                CoachingSteps.DeliverWebhook or CoachingSteps.DeliverSlack or CoachingSteps.DeliverTeams or CoachingSteps.DeliverEmail =>
                    await Deliver(step[(CoachingSteps.Deliver.Length + 1)..], Input(), cancellationToken),
                CoachingSteps.Record => Record(Input()),
                CoachingSteps.Alert => await Alert(Input()),
                _ => StepOutcome.Fail("Coaching.UnknownStep", $"resource '{task.Resource}' maps to '{step}', which is not a coaching step"),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A step's bug must fail the task (which a definition can Retry or Catch), not the grain.
            outcome = StepOutcome.Fail("Coaching.StepFailed", $"{e.GetType().Name}: {e.Message}");
        }

        if (outcome.Error is { } error)
        {
            // A mapped resource raises the error its definition expects; the cause keeps ours.
            var cause = failureError is null ? outcome.Cause : $"{error}: {outcome.Cause}";
            return new WorkflowEvent.TaskFailed(task.IdempotencyKey, failureError ?? error, cause);
        }

        return new WorkflowEvent.TaskSucceeded(task.IdempotencyKey, outcome.Result?.ToJsonString() ?? "null");
    }

    /// <summary>
    /// The campaign's tip rendered from the event, once per activation: the render step and the delivery (which
    /// compares what it is given with it) both need it, and rendering parses the event.
    /// </summary>
    private CoachingTip CampaignTip() => _campaignTip ??= TipRenderer.Render(state.State.Request!.Tip, state.State.Request.Event.Json);

    /// <summary>The rule match that started this coaching, in the shape the seed's state machine reads.</summary>
    private StepOutcome CheckRules()
    {
        var request = state.State.Request!;
        return StepOutcome.Ok(new JsonObject
        {
            ["trigger_payload_exists"] = true,
            ["campaignId"] = request.CampaignId,
            ["eventId"] = request.Event.EventId,
            ["userKey"] = request.UserKey,
        });
    }

    private async Task<StepOutcome> DeliveryLimit()
    {
        var request = state.State.Request!;
        if (request.DeliveryLimit is not { } limit)
        {
            return StepOutcome.Ok(new JsonObject { ["allowed"] = true });
        }

        var allowed = await GrainFactory.Reference<IUserGrain>(GrainKeys.User(request.TenantId, request.UserKey))
            .ClaimDelivery(request.CampaignId, _coachingId, limit, time.GetUtcNow().ToUnixTimeMilliseconds());
        return StepOutcome.Ok(new JsonObject { ["allowed"] = allowed, ["limit"] = System.Xml.XmlConvert.ToString(limit) });
    }

    private StepOutcome QuietHoursStep()
    {
        var request = state.State.Request!;
        // Workflow time, so the Wait that follows compares like with like.
        return QuietHoursPolicy.QuietUntil(request.TenantQuietHours, request.UserPreferences, WorkflowNow()) is { } until
            ? StepOutcome.Ok(new JsonObject { ["quiet"] = true, ["resumeAt"] = until.ToUniversalTime() })
            : StepOutcome.Ok(new JsonObject { ["quiet"] = false });
    }

    private StepOutcome RenderTip()
    {
        var tip = CampaignTip();
        return StepOutcome.Ok(new JsonObject { ["title"] = tip.Title, ["body"] = tip.Body });
    }

    /// <summary>
    /// Sends the tip to the campaign's channels (of one type, or all) that have not accepted it yet. The tip is the
    /// input's <c>tip</c> (a render step's result) when there is one, else rendered here.
    /// </summary>
    private async Task<StepOutcome> Deliver(string? type, JsonNode? input, CancellationToken cancellationToken)
    {
        var s = state.State;
        var request = s.Request!;
        var rendered = CampaignTip();
        var tip = input?["tip"] is JsonObject given && given["title"]?.GetValueKind() == JsonValueKind.String && given["body"]?.GetValueKind() == JsonValueKind.String
            ? new CoachingTip(given["title"]!.GetValue<string>(), given["body"]!.GetValue<string>())
            : rendered;
        // The campaign's tip goes with its template, so a chat channel escapes only the event's values; a tip the
        // workflow made itself goes without one, and a chat channel escapes it whole.
        var message = new CoachingMessage(_coachingId, request.TenantId, request.UserKey, request.CampaignId, request.Event.EventId, tip, request.Event.Json,
            tip == rendered ? request.Tip : null);
        var limits = options.Value;
        // Never below the built-in workflow's own attempts (Coaching:MaxAttempts, the operator's).
        var maxAttempts = Math.Max(limits.MaxDeliveryAttemptsPerCoaching, limits.MaxAttempts);
        if (s.Attempts - s.AttemptsAtRetry >= maxAttempts)
        {
            return StepOutcome.Fail("Coaching.DeliveryAttemptsExhausted",
                $"this coaching made {maxAttempts} delivery attempts, its limit; nothing was sent");
        }

        if (s.History.Count > 0)
        {
            // In workflow time, as the retry waits are: a test running the clock faster keeps its pace.
            var pause = s.History[^1].At + (limits.MinDeliveryInterval / limits.WorkflowClockRate) - time.GetUtcNow();
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, time, cancellationToken);
            }
        }

        var delivered = new JsonArray();
        string? error = null;
        string? errorName = null;
        TimeSpan? askedToWait = null;
        var targeted = 0;
        for (var i = 0; i < request.Channels.Length; i++)
        {
            var channel = request.Channels[i];
            if (type is not null && !string.Equals(channel.Type, type, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            targeted++;
            if (!s.DeliveredChannels.Contains(i))
            {
                var result = await Send(channel, message, cancellationToken);
                if (!result.Delivered)
                {
                    var failure = $"channels[{i}]: {result.ErrorName}: {result.Error}";
                    error = error is null ? failure : $"{error}; {failure}";
                    errorName = MoreRetryable(errorName, result.ErrorName ?? ChannelErrors.Transient);
                    if (result.RetryAfter > askedToWait.GetValueOrDefault())
                    {
                        askedToWait = result.RetryAfter;
                    }

                    continue;
                }

                s.DeliveredChannels.Add(i);
            }

            delivered.Add(channel.Type);
        }

        if (targeted == 0)
        {
            return StepOutcome.Fail(ChannelErrors.Rejected, type is null ? "the campaign has no channels" : $"the campaign has no {type} channel");
        }

        var now = time.GetUtcNow();
        s.Attempts++;
        s.History.Add(new DeliveryAttempt(s.Attempts, now, error is null, error, null));
        if (error is null)
        {
            s.DeliveredAt ??= now;
            s.LastError = null;
            return StepOutcome.Ok(new JsonObject { ["delivered"] = delivered, ["attempt"] = s.Attempts });
        }

        s.LastError = error;
        _retryNoted = false;
        // A receiver that asked for a pause (429 Retry-After) gets at least that pause before the retry.
        _notBefore = askedToWait is { } wait ? now + wait : null;
        return StepOutcome.Fail(errorName!, error);
    }

    /// <summary>Of two channel errors, the one a retrier should see: any retryable one before a final one (Rejected, Forbidden).</summary>
    private static string MoreRetryable(string? current, string next) =>
        current is null || current is ChannelErrors.Rejected or ChannelErrors.Forbidden ? next : current;

    private async Task<ChannelResult> Send(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken)
    {
        if (!channels.TryGet(channel.Type, out var sender))
        {
            return ChannelResult.Failed(ChannelErrors.Rejected, $"unknown channel type '{channel.Type}'");
        }

        try
        {
            // Decrypted for this send only: the plaintext never goes into the coaching's state.
            var open = await ChannelSecrets.OpenAsync(secrets, message.TenantId, channel, cancellationToken);
            return await sender.SendAsync(open, message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A channel bug must count as a failed attempt, not kill the schedule.
            return ChannelResult.Failed(ChannelErrors.Transient, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Records the outcome the coaching ends with when its workflow succeeds: input <c>{"status": …}</c>.</summary>
    private StepOutcome Record(JsonNode? input)
    {
        var text = input?["status"]?.GetValueKind() == JsonValueKind.String ? input["status"]!.GetValue<string>() : null;
        if (text is null
            || !Enum.TryParse<CoachingStatus>(text, ignoreCase: false, out var status)
            || status is not (CoachingStatus.Delivered or CoachingStatus.Suppressed or CoachingStatus.Simulated))
        {
            return StepOutcome.Fail("Coaching.InvalidInput", $"{CoachingSteps.Record} takes {{\"status\": \"Delivered\" | \"Suppressed\" | \"Simulated\"}}, not {input?.ToJsonString() ?? "null"}");
        }

        state.State.RecordedOutcome = status;
        return StepOutcome.Ok(new JsonObject { ["status"] = text });
    }

    /// <summary>Alerts the tenant's alert channel; the input's <c>Error</c>/<c>Cause</c> (a Catch's output) say why.</summary>
    private async Task<StepOutcome> Alert(JsonNode? input)
    {
        var s = state.State;
        var request = s.Request!;
        if (s.LastError is null && input?["Error"]?.GetValueKind() == JsonValueKind.String)
        {
            s.LastError = $"{input["Error"]!.GetValue<string>()}: {input["Cause"]?.ToString()}";
        }

        // One alert per coaching (per retry through the API): a workflow looping through its alert step alerts once.
        if (!s.AlertSent)
        {
            await GrainFactory.Reference<ICoachingFailuresGrain>(request.TenantId).Alert(Failure(), request.Event);
            s.AlertSent = true;
        }

        return StepOutcome.Ok(new JsonObject { ["alerted"] = true });
    }
}
