namespace SecurityCoach.Users;

/// <summary>
/// Erasure of the user (a GDPR/CCPA request), in two steps so that no call can cycle: the caller asks which coachings
/// to erase, erases them (a running one finishes its step first, and that step may still ask this grain for its
/// delivery limit), then erases the user, and erases what the user started meanwhile.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>How many unlisted coachings the user's state holds before it hands them to its index (one index write each time).</summary>
    public const int IndexBatch = 64;

    private IUserCoachingIndexGrain Index => GrainFactory.Reference<IUserCoachingIndexGrain>(this.GetPrimaryKeyString());

    public async Task<string[]> CoachingsToErase()
    {
        // A start sent but not yet arrived would make a coaching again after the caller erased it.
        await _startsInFlight;
        return [.. NamedCoachings(), .. await Index.List()];
    }

    public async Task<string[]> Erase()
    {
        var named = await CoachingsToErase();
        await Index.Erase();
        _startRetry?.Dispose();
        _startRetry = null;
        if (await this.GetReminder(WatchReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _watching = false;
        _unsaved = false;
        // Written behind or not, nothing of the user is written again on deactivation.
        _dirty = false;
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new();

        _seen.Clear();
        // Nothing of the user stays in memory: a later event activates a user that starts from zero.
        DeactivateOnIdle();
        return named;
    }

    private void StartInBackground(PendingCoachingStart start)
    {
        var started = TryStart(start);
        _startsInFlight = _startsInFlight.IsCompleted ? started : Task.WhenAll(_startsInFlight, started);
    }

    /// <summary>
    /// Before the batch's write: a full batch of unlisted coachings goes to the index first, so each id is in the
    /// index or in this state at every moment (a crash in between hands the batch over again).
    /// </summary>
    private async Task IndexUnlistedCoachings()
    {
        if (state.State.UnlistedCoachings.Count >= IndexBatch)
        {
            await Index.Add([.. state.State.UnlistedCoachings]);
            state.State.UnlistedCoachings = new();
        }
    }

    private string[] NamedCoachings()
    {
        var s = state.State;
        return [.. s.CoachingIds.Concat(s.UnlistedCoachings).Concat(s.WatchedCoachings).Concat(s.PendingStarts.Select(p => p.CoachingId)).Concat(s.LastCoachedBy.Values)
            .Distinct(StringComparer.Ordinal)];
    }
}
