using System.Security.Cryptography;
using SecurityCoach.Campaigns;

namespace SecurityCoach.Tenants;

/// <summary>A tenant's persisted state.</summary>
[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public string? Name { get; set; }

    [Id(1)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>SHA-256 hashes of the tenant's API keys; keys are 256-bit random, so a fast hash is enough.</summary>
    [Id(2)] public List<byte[]> ApiKeyHashes { get; set; } = [];

    [Id(3)] public Dictionary<string, StoredCampaign> Campaigns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Moves on every campaign change; user grains recompile their campaigns when it does.</summary>
    [Id(4)] public long CampaignSetVersion { get; set; }
}

/// <summary>
/// One tenant. Every read is <c>[ReadOnly]</c>, so the key checks and version checks that each ingest request and
/// each event batch make interleave freely; only creation and campaign writes take the grain in turn.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant")] IPersistentState<TenantState> state,
    CampaignValidator validator,
    TimeProvider time) : Grain, ITenantGrain
{
    private CampaignSet? _set;

    public async Task<TenantCreation> Create(string name, byte[] apiKeyHash)
    {
        if (state.RecordExists)
        {
            return TenantCreation.AlreadyExists;
        }

        state.State = new TenantState { Name = name, CreatedAt = time.GetUtcNow(), ApiKeyHashes = [apiKeyHash] };
        await state.WriteStateAsync();
        return TenantCreation.Created;
    }

    public ValueTask<bool> Exists() => ValueTask.FromResult(state.RecordExists);

    public ValueTask<bool> IsValidApiKey(byte[] apiKeyHash)
    {
        var valid = false;
        if (state.RecordExists)
        {
            foreach (var stored in state.State.ApiKeyHashes)
            {
                // Constant time, and no early exit, so timing tells nothing about which bytes matched.
                valid |= CryptographicOperations.FixedTimeEquals(stored, apiKeyHash);
            }
        }

        return ValueTask.FromResult(valid);
    }

    public async Task<PutCampaignResult> PutCampaign(string campaignId, CampaignDefinition definition)
    {
        if (!state.RecordExists)
        {
            return new PutCampaignResult(null, [new FieldError("tenantId", "no such tenant")]);
        }

        var errors = validator.Validate(definition);
        if (errors.Length > 0)
        {
            return new PutCampaignResult(null, errors);
        }

        var version = state.State.CampaignSetVersion + 1;
        var stored = new StoredCampaign(campaignId, definition, version, time.GetUtcNow());
        state.State.Campaigns[campaignId] = stored;
        state.State.CampaignSetVersion = version;
        _set = null;
        await state.WriteStateAsync();
        return new PutCampaignResult(stored, []);
    }

    public ValueTask<CampaignSet> GetCampaigns() => ValueTask.FromResult(CurrentSet());

    public ValueTask<CampaignSet?> GetCampaignsIfChanged(long knownVersion) =>
        ValueTask.FromResult(knownVersion == state.State.CampaignSetVersion ? null : CurrentSet());

    private CampaignSet CurrentSet()
    {
        // Built once per version: every user grain of the tenant asks for it after a change.
        return _set ??= new CampaignSet(
            state.State.CampaignSetVersion,
            [.. state.State.Campaigns.Values.OrderBy(c => c.CampaignId, StringComparer.Ordinal)]);
    }
}
