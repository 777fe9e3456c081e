using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>Where a coaching stands.</summary>
public enum CoachingStatus
{
    /// <summary>Started; delivery not yet confirmed by every channel.</summary>
    Pending,

    /// <summary>Every channel accepted the tip.</summary>
    Delivered,

    /// <summary>Retries ran out before every channel accepted the tip.</summary>
    Failed,

    /// <summary>Not sent: the campaign's delivery limit for this user had not elapsed.</summary>
    Suppressed,

    /// <summary>Not sent: the campaign is in test mode.</summary>
    Simulated,

    /// <summary>The campaign's workflow succeeded without delivering the tip or recording another outcome.</summary>
    Completed,
}

/// <summary>One coaching as the user's view lists it.</summary>
[GenerateSerializer, Immutable]
public sealed record CoachingSummary(
    [property: Id(0)] string CoachingId,
    [property: Id(1)] string CampaignId,
    [property: Id(2)] string EventId,
    [property: Id(3)] CoachingStatus Status,
    [property: Id(4)] int Attempts,
    [property: Id(5)] DateTimeOffset? DeliveredAt);

/// <summary>A user's risk and coaching history.</summary>
[GenerateSerializer, Immutable]
public sealed record UserView(
    [property: Id(0)] string UserKey,
    [property: Id(1)] double RiskScore,
    [property: Id(2)] long EventCount,
    [property: Id(3)] DateTimeOffset? LastEventAt,
    [property: Id(4)] CoachingSummary[] Coachings)
{
    /// <summary>Matches that started no coaching because a quota was reached (the README's "Tenant quotas").</summary>
    [Id(5)] public long CoachingsOverQuota { get; init; }
}

/// <summary>
/// One user of one tenant: risk state, recent event ids (for de-duplication) and the coachings it started.
/// Key: "{tenant}/{userKey}". Receives its events through an implicit subscription to <see cref="SecurityEventStreams.Namespace"/>.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>The user's view, or null for a user that has never had an event.</summary>
    [ReadOnly]
    Task<UserView?> GetView();

    /// <summary>
    /// The delivery-limit check of a coaching: true (and the campaign's limit clock restarts at
    /// <paramref name="atMs"/>) when no other coaching of the campaign was delivered to this user less than
    /// <paramref name="limit"/> ago. Idempotent per coaching: asking again for the coaching that holds the clock
    /// answers true again, so a resumed workflow gets the same answer.
    /// </summary>
    Task<bool> ClaimDelivery(string campaignId, string coachingId, TimeSpan limit, long atMs);

    /// <summary>
    /// The stream provider asks before it deletes the messages of batches this user was delivered: the user writes
    /// what it has not written yet, and answers true when every batch of <paramref name="sequenceNumbers"/> (their
    /// stream sequence numbers) was applied by this activation and is now written; false when it cannot vouch for
    /// one (a new activation never saw it: the provider delivers it again, and events already counted are dropped).
    /// A failed write throws, and the provider asks again later.
    /// </summary>
    Task<bool> ConfirmPersisted(List<long> sequenceNumbers);

    /// <summary>
    /// A coaching this user started has ended (and reported a failure if it failed): the user's watch lets it go.
    /// One-way: the coaching does not wait on a busy user; a lost call only leaves the id to the next watch tick.
    /// </summary>
    [OneWay]
    Task CoachingEnded(string coachingId);

    /// <summary>
    /// Validates and stores the user's own time zone and quiet hours (null fields: the tenant's apply); the errors
    /// (<c>timeZone</c>, <c>quietHours.start</c> …) when they are invalid, and nothing changes then.
    /// </summary>
    Task<FieldError[]> SetPreferences(UserPreferences preferences);

    /// <summary>The user's own settings; both fields null when never set.</summary>
    [ReadOnly]
    Task<UserPreferences> GetPreferences();

    /// <summary>
    /// Erasure, first step: the coachings the user's state names (listed, watched, in the outbox, holding a delivery
    /// limit), once the starts already sent have answered, so the caller can stop and erase them while this grain
    /// still answers their delivery-limit calls. Changes nothing.
    /// </summary>
    Task<string[]> CoachingsToErase();

    /// <summary>
    /// Erasure, last step: drops the user's watch and outbox and clears its state in storage (risk, counts, event-id
    /// window, preferences, delivery limits, coaching lists). Returns the coachings the state named at that moment
    /// (those started since <see cref="CoachingsToErase"/> included). An unknown user changes nothing.
    /// </summary>
    Task<string[]> Erase();
}
