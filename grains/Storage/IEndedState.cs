namespace SecurityCoach.Storage;

/// <summary>
/// A grain state that can end: once <see cref="HasEnded"/>, its record is history — nothing changes it again and
/// nothing needs it to wake its grain — so storage that must bound its memory may forget the oldest ended records
/// (<see cref="InProcessGrainStorage"/>, the Local profile's). A grain whose record was forgotten reads a fresh state.
/// </summary>
public interface IEndedState
{
    bool HasEnded { get; }

    /// <summary>When an ended record may be deleted (its tenant's retention); null: kept.</summary>
    DateTimeOffset? RetainUntil { get; }
}
