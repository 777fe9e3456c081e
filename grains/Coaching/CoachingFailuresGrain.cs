using Microsoft.Extensions.Logging;
using SecurityCoach.Notifications;
using SecurityCoach.Secrets;

namespace SecurityCoach.Coaching;

/// <summary>A tenant's failure list, newest first.</summary>
[GenerateSerializer]
public sealed class CoachingFailuresState
{
    [Id(0)] public List<FailedCoaching> Failures { get; set; } = [];
}

/// <summary>
/// The coachings of one tenant that ended Failed, and the alert each raises on the tenant's alert channel (one
/// attempt: an alert that cannot be sent is logged as an error, the failure stays listed). Only coaching grains
/// call it, and it calls no grain back but the tenant's read-only settings, so no call chain can cycle.
/// </summary>
public sealed partial class CoachingFailuresGrain(
    [PersistentState("failures")] IPersistentState<CoachingFailuresState> state,
    ChannelRegistry channels,
    ISecretProtector secrets,
    ILogger<CoachingFailuresGrain> logger) : Grain, ICoachingFailuresGrain
{
    /// <summary>How many failures the list keeps; older ones drop off (they stay in the coaching grains).</summary>
    public const int Capacity = 1000;

    public async Task Failed(FailedCoaching failure, SecurityEvent evt, bool alert)
    {
        var failures = state.State.Failures;
        if (failures.Exists(f => f.CoachingId == failure.CoachingId))
        {
            return;
        }

        failures.Insert(0, failure);
        if (failures.Count > Capacity)
        {
            failures.RemoveRange(Capacity, failures.Count - Capacity);
        }

        await state.WriteStateAsync();
        if (alert)
        {
            await Alert(failure, evt);
        }
    }

    public async Task Resumed(string coachingId)
    {
        if (state.State.Failures.RemoveAll(f => f.CoachingId == coachingId) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public Task<FailedCoaching[]> List() => Task.FromResult(state.State.Failures.ToArray());

    public async Task ForgetUser(string userKey)
    {
        if (state.State.Failures.RemoveAll(f => string.Equals(f.UserKey, userKey, StringComparison.Ordinal)) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Alert(FailedCoaching failure, SecurityEvent evt)
    {
        var tenantId = this.GetPrimaryKeyString();
        var settings = await GrainFactory.Reference<ITenantGrain>(tenantId).GetSettings();
        if (settings.AlertChannel is not { } alert || !channels.TryGet(alert.Type, out var channel))
        {
            return;
        }

        var tip = new CoachingTip(
            $"SecurityCoach: coaching of {failure.UserKey} failed",
            $"Campaign '{failure.CampaignId}' could not reach {failure.UserKey} after {failure.Attempts} attempts (event {failure.EventId}). " +
            $"Last error: {failure.LastError}. Retry it with POST /v1/tenants/{tenantId}/coachings/{failure.CoachingId}/retry.");
        var message = new CoachingMessage(failure.CoachingId, tenantId, failure.UserKey, failure.CampaignId, failure.EventId, tip, evt.Json);
        var result = await channel.SendAsync(await ChannelSecrets.OpenAsync(secrets, tenantId, alert, CancellationToken.None), message, CancellationToken.None);
        if (!result.Delivered)
        {
            LogAlertFailed(tenantId, failure.CoachingId, alert.Type, result.ErrorName, result.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Tenant {TenantId}: the alert for failed coaching {CoachingId} could not be sent over {ChannelType}: {ErrorName}: {Error}")]
    private partial void LogAlertFailed(string tenantId, string coachingId, string channelType, string? errorName, string? error);
}
