namespace SecurityCoach.Coaching;

/// <summary>Erasure of the coaching's user (<see cref="ICoachingGrain.Erase"/>).</summary>
public sealed partial class CoachingGrain
{
    public async Task Erase()
    {
        // Not interleaved with the timer's run, so no step is midway: without the timer and the request none runs again.
        DisarmTimer();
        _notBefore = null;
        if (state.State.OwnReminder && await this.GetReminder(WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        if (state.RecordExists)
        {
            await state.ClearStateAsync(CancellationToken.None);
        }

        DeactivateOnIdle();
    }
}
