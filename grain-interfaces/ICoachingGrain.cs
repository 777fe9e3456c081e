using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>Everything a coaching needs, fixed when it starts so that later campaign edits don't change it.</summary>
[GenerateSerializer, Immutable]
public sealed record CoachingRequest(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string UserKey,
    [property: Id(2)] string CampaignId,
    [property: Id(3)] long CampaignVersion,
    [property: Id(4)] CoachingTip Tip,
    [property: Id(5)] ChannelDefinition[] Channels,
    [property: Id(6)] SecurityEvent Event,
    [property: Id(7)] CoachingStatus InitialStatus);

/// <summary>One delivery attempt as the coaching recorded it.</summary>
[GenerateSerializer, Immutable]
public sealed record DeliveryAttempt(
    [property: Id(0)] int Number,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] bool Succeeded,
    [property: Id(3)] string? Error,
    [property: Id(4)] TimeSpan? NextRetryIn);

/// <summary>A coaching's progress.</summary>
[GenerateSerializer, Immutable]
public sealed record CoachingView(
    [property: Id(0)] CoachingSummary Summary,
    [property: Id(1)] string UserKey,
    [property: Id(2)] DeliveryAttempt[] History);

/// <summary>
/// The delivery of one campaign's tip for one event: render → deliver to each channel (retried with backoff) →
/// record. Key: "{tenant}/{coachingId}", the id derived from the event and the campaign, so a replayed event
/// starts nothing new.
/// </summary>
public interface ICoachingGrain : IGrainWithStringKey
{
    /// <summary>Starts the coaching; a second call with the same key changes nothing. Returns the current summary.</summary>
    Task<CoachingSummary> Start(CoachingRequest request);

    /// <summary>The coaching's progress, or null when it was never started.</summary>
    [ReadOnly]
    Task<CoachingView?> GetView();

    /// <summary>
    /// Resumes a Failed coaching: a new round of attempts (the retry policy starts over) to the channels that have
    /// not accepted the tip. Null when the coaching is not Failed (nothing changes).
    /// </summary>
    Task<CoachingSummary?> Retry();
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
    /// <summary>Lists the failure and alerts the tenant; a second report of the same coaching changes nothing.</summary>
    Task Failed(FailedCoaching failure, SecurityEvent evt);

    /// <summary>Removes a coaching that was retried from the list.</summary>
    Task Resumed(string coachingId);

    [ReadOnly]
    Task<FailedCoaching[]> List();
}
