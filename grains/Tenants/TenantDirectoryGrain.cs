namespace SecurityCoach.Tenants;

/// <summary>The directory's persisted state: every tenant id, and a version that moves when one is added.</summary>
[GenerateSerializer]
public sealed class TenantDirectoryState
{
    [Id(0)] public long Version { get; set; }

    [Id(1)] public List<string> TenantIds { get; set; } = [];
}

/// <summary>
/// The tenants that exist (<see cref="ITenantDirectoryGrain"/>). Written only when a tenant is created, read by each
/// silo's authentication cache only when a lookup misses.
/// </summary>
public sealed class TenantDirectoryGrain([PersistentState("tenants")] IPersistentState<TenantDirectoryState> state) : Grain, ITenantDirectoryGrain
{
    private HashSet<string>? _ids;
    private TenantList? _list;

    private HashSet<string> Ids => _ids ??= new HashSet<string>(state.State.TenantIds, StringComparer.Ordinal);

    public async Task Add(string tenantId)
    {
        if (!Ids.Add(tenantId))
        {
            return;
        }

        state.State.TenantIds.Add(tenantId);
        state.State.Version++;
        _list = null;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not listed until it is stored: the caller's retry must write it again.
            Ids.Remove(tenantId);
            state.State.TenantIds.RemoveAt(state.State.TenantIds.Count - 1);
            state.State.Version--;
            throw;
        }
    }

    public ValueTask<TenantList?> GetIfChanged(long knownVersion) =>
        ValueTask.FromResult(knownVersion == state.State.Version
            ? null
            : _list ??= new TenantList(state.State.Version, [.. state.State.TenantIds]));
}
