namespace SecurityCoach.Identities;

/// <summary>A tenant's persisted user mapping.</summary>
[GenerateSerializer]
public sealed class UserMappingState
{
    /// <summary>Moves on every change; ingest and the unmapped list recompile when it does.</summary>
    [Id(0)] public long Version { get; set; }

    [Id(1)] public List<UserAlias> Aliases { get; set; } = [];

    [Id(2)] public string? Domain { get; set; }

    [Id(3)] public DateTimeOffset? UpdatedAt { get; set; }
}

/// <summary>
/// A tenant's alias table and domain rule (key: the tenant id). Reads are <c>[ReadOnly]</c>, so the version checks
/// that ingest requests make on every silo interleave; a change takes the grain in turn and moves the version.
/// The grain validates what it stores with the API's own rules, so no caller can store a mapping the resolver
/// would misread.
/// </summary>
public sealed class UserMappingGrain(
    [PersistentState("mapping")] IPersistentState<UserMappingState> state,
    TimeProvider time) : Grain, IUserMappingGrain
{
    private UserMapping? _current;

    public async Task<PutUserMappingResult> Put(UserMappingUpdate update)
    {
        var errors = new List<FieldError>();
        UserMappingRules.ValidateAliases(update.Aliases, static (i, column) => $"aliases[{i}].{column}", errors);
        var domain = update.SetsDomain ? update.Domain?.Trim().ToLowerInvariant() : state.State.Domain;
        if (update.SetsDomain)
        {
            UserMappingRules.ValidateDomain(domain, errors);
        }

        if (errors.Count > 0)
        {
            return new PutUserMappingResult(null, [.. errors]);
        }

        var quota = (await GrainFactory.Reference<ITenantGrain>(this.GetPrimaryKeyString()).GetQuotas()).AliasRows;
        if (update.Aliases.Length > quota)
        {
            return new PutUserMappingResult(null, [], new QuotaExceeded("aliasRows", quota));
        }

        state.State = new UserMappingState
        {
            Version = state.State.Version + 1,
            Aliases = [.. update.Aliases.Select(UserMappingRules.Normalize)],
            Domain = domain,
            UpdatedAt = time.GetUtcNow(),
        };
        _current = null;
        await state.WriteStateAsync();
        return new PutUserMappingResult(Current(), []);
    }

    public async Task<string[]> RemoveUser(string userKey)
    {
        bool Names(UserAlias a) =>
            string.Equals(a.User, userKey, StringComparison.OrdinalIgnoreCase) || string.Equals(a.Identity, userKey, StringComparison.OrdinalIgnoreCase);
        var removed = state.State.Aliases.FindAll(Names);
        if (removed.Count == 0)
        {
            return [];
        }

        state.State = new UserMappingState
        {
            Version = state.State.Version + 1,
            Aliases = state.State.Aliases.FindAll(a => !Names(a)),
            Domain = state.State.Domain,
            UpdatedAt = time.GetUtcNow(),
        };
        _current = null;
        await state.WriteStateAsync();
        return [.. removed.Select(a => a.Identity)];
    }

    public ValueTask<UserMapping> Get() => ValueTask.FromResult(Current());

    public ValueTask<UserMapping?> GetIfChanged(long knownVersion) =>
        ValueTask.FromResult(knownVersion == state.State.Version ? null : Current());

    // Built once per version: every silo's cache asks for it after a change.
    private UserMapping Current() =>
        _current ??= new UserMapping(state.State.Version, [.. state.State.Aliases], state.State.Domain, state.State.UpdatedAt);
}
