namespace SecurityCoach.Users;

/// <summary>
/// Erasure of the user (a GDPR/CCPA request), in two steps so that no call can cycle: the caller asks which coachings
/// to erase, erases them (a running one finishes its step first, and that step may still ask this grain for its
/// delivery limit), then erases the user, and erases what the user started meanwhile.
/// </summary>
public sealed partial class UserGrain
{
    public async Task<string[]> CoachingsToErase()
    {
        // A start sent but not yet arrived would make a coaching again after the caller erased it.
        await _startsInFlight;
        return NamedCoachings();
    }

    public async Task<string[]> Erase()
    {
        await _startsInFlight;
        var named = NamedCoachings();
        _startRetry?.Dispose();
        _startRetry = null;
        if (await this.GetReminder(WatchReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _watching = false;
        _unsaved = false;
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

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

    private string[] NamedCoachings()
    {
        var s = state.State;
        return [.. s.CoachingIds.Concat(s.WatchedCoachings).Concat(s.PendingStarts.Select(p => p.CoachingId)).Concat(s.LastCoachedBy.Values)
            .Distinct(StringComparer.Ordinal)];
    }
}
