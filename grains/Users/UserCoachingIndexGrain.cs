namespace SecurityCoach.Users;

/// <summary>A user's coaching index as stored: the ids packed 16 bytes each (<see cref="CoachingIdList.ToPacked"/>).</summary>
[GenerateSerializer]
public sealed class UserCoachingIndexState
{
    [field: NonSerialized] public CoachingIdList Ids { get; set; } = new();

    [Id(0)] internal byte[] IdsPacked { get => Ids.ToPacked(); set => Ids = CoachingIdList.FromPacked(value); }
}

/// <summary>
/// <see cref="IUserCoachingIndexGrain"/>. Written rarely: the user grain hands over the ids that left its view in
/// batches of <see cref="UserGrain.IndexBatch"/>. A batch the user grain hands over again after a crash is appended
/// again; an erasure of a coaching twice changes nothing.
/// </summary>
public sealed class UserCoachingIndexGrain([PersistentState("coaching-index")] IPersistentState<UserCoachingIndexState> state)
    : Grain, IUserCoachingIndexGrain
{
    public async Task Add(string[] coachingIds)
    {
        foreach (var id in coachingIds)
        {
            state.State.Ids.Add(id);
        }

        await state.WriteStateAsync();
    }

    public Task<string[]> List() => Task.FromResult(state.State.Ids.ToArray());

    public async Task Erase()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        DeactivateOnIdle();
    }
}
