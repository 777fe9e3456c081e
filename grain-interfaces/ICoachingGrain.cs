using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>
/// Everything a coaching needs, fixed when it starts so that later edits don't change it: the campaign's tip,
/// channels and policy, the event, the workflow to run (<see cref="WorkflowDefinition"/>, an Amazon States Language
/// document; null runs the built-in default), and the tenant's and user's quiet-hours settings (so the policy
/// steps need no call to another grain). <see cref="WatchedByUser"/>: the user grain that started it watches it, and
/// is told when it ends.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CoachingRequest(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string UserKey,
    [property: Id(2)] string CampaignId,
    [property: Id(3)] long CampaignVersion,
    [property: Id(4)] CoachingTip Tip,
    [property: Id(5)] ChannelDefinition[] Channels,
    [property: Id(6)] SecurityEvent Event,
    [property: Id(7)] TimeSpan? DeliveryLimit,
    [property: Id(8)] bool TestMode,
    [property: Id(9)] string? WorkflowName = null,
    [property: Id(10)] string? WorkflowDefinition = null,
    [property: Id(11)] QuietHours? TenantQuietHours = null,
    [property: Id(12)] UserPreferences? UserPreferences = null,
    [property: Id(13)] bool WatchedByUser = false,
    [property: Id(14)] TimeSpan? Retention = null);

/// <summary>One delivery attempt as the coaching recorded it.</summary>
[GenerateSerializer, Immutable]
public sealed record DeliveryAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] bool Succeeded,
    [property: Id(3)] string? Error,
    [property: Id(4)] TimeSpan? NextRetryIn);

/// <summary>
/// A coaching's progress: its delivery attempts, and the workflow's execution trace (<see cref="ExecutionHistoryJson"/>:
/// a JSON array of every state entered and exited, task scheduled, succeeded or failed, retry, wait and catch).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CoachingView(
    [property: Id(0)] CoachingSummary Summary,
    [property: Id(1)] string UserKey,
    [property: Id(2)] DeliveryAttempt[] History,
    [property: Id(3)] string Workflow,
    [property: Id(4)] string ExecutionHistoryJson);

/// <summary>
/// The delivery of one campaign's tip for one event, run as a workflow (policy → render → deliver with retries →
/// record, or the campaign's own definition). Key: "{tenant}/{coachingId}", the id derived from the event and the
/// campaign, so a replayed event starts nothing new.
/// </summary>
public interface ICoachingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the coaching; a second call with the same key changes nothing. Returns the current summary.
    /// Interleaves with a running step, which may be waiting on the calling user grain (no cycle can block).
    /// </summary>
    [AlwaysInterleave]
    Task<CoachingSummary> Start(CoachingRequest request);

    /// <summary>The coaching's progress, or null when it was never started. Interleaves, as <see cref="Start"/> does.</summary>
    [AlwaysInterleave]
    Task<CoachingView?> GetView();

    /// <summary>
    /// Where the coaching stands, without its histories (what a user's view lists), or null when it was never started.
    /// Interleaves, as <see cref="Start"/> does.
    /// </summary>
    [AlwaysInterleave]
    Task<CoachingSummary?> GetSummary();

    /// <summary>
    /// The watch of the user grain that started the coaching: makes sure a running coaching is scheduled (this call
    /// reactivates one whose silo died). False when the user may stop watching: the coaching has ended (and its
    /// failure, if any, is reported) or waits on a reminder of its own. Interleaves, as <see cref="Start"/> does.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> Watch();

    /// <summary>
    /// Resumes a Failed coaching from the state that failed (its retriers start over); channels that accepted the
    /// tip are not sent it again. Null when the coaching is not Failed (nothing changes).
    /// </summary>
    Task<CoachingSummary?> Retry();

    /// <summary>
    /// Erasure of its user: stops the workflow (no step runs after this returns; a running one finishes first), drops
    /// the coaching's own reminder and clears its record in storage, request, trace and history included. A coaching
    /// never started, or already erased, changes nothing.
    /// </summary>
    Task Erase();
}

/// <summary>A coaching that failed, as the tenant's failure list shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record FailedCoaching(
    [property: Id(0)] string CoachingId,
    [property: Id(1)] string UserKey,
    [property: Id(2)] string CampaignId,
    [property: Id(3)] string EventId,
    [property: Id(4)] int Attempts,
    [property: Id(5)] DateTimeOffset FailedAt,
    [property: Id(6)] string LastError);

/// <summary>
/// A tenant's coachings that ended Failed (newest first, bounded), and the alert each failure raises on the
/// tenant's alert channel. Key: the tenant id.
/// </summary>
public interface ICoachingFailuresGrain : IGrainWithStringKey
{
    /// <summary>
    /// Lists the failure and, when <paramref name="alert"/> (the coaching's workflow has not alerted already), alerts
    /// the tenant; a second report of the same coaching changes nothing.
    /// </summary>
    Task Failed(FailedCoaching failure, SecurityEvent evt, bool alert);

    /// <summary>Alerts the tenant's alert channel about a coaching (a workflow's alert step), without listing it.</summary>
    Task Alert(FailedCoaching failure, SecurityEvent evt);

    /// <summary>Removes a coaching that was retried from the list.</summary>
    Task Resumed(string coachingId);

    [ReadOnly]
    Task<FailedCoaching[]> List();

    /// <summary>Erasure: removes every listed failure of <paramref name="userKey"/>.</summary>
    Task ForgetUser(string userKey);
}
