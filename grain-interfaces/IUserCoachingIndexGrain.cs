using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>
/// The coachings a user started that the user's view no longer lists (key "{tenant}/{userKey}", as the user's), kept
/// only so that an erasure of the user finds every coaching of theirs. Only the user grain calls it, and it calls no grain.
/// </summary>
public interface IUserCoachingIndexGrain : IGrainWithStringKey
{
    /// <summary>Appends the ids; returns once they are written.</summary>
    Task Add(string[] coachingIds);

    [ReadOnly]
    Task<string[]> List();

    /// <summary>Clears the index in storage.</summary>
    Task Erase();
}
