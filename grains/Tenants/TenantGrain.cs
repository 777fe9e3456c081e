using System.Security.Cryptography;
using SecurityCoach.Campaigns;

namespace SecurityCoach.Tenants;

/// <summary>A tenant's persisted state.</summary>
[GenerateSerializer]
public sealed class TenantState
{
    [Id(0)] public string? Name { get; set; }

    [Id(1)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The tenant's live API keys, by hash; revoked keys are removed.</summary>
    [Id(2)] public List<StoredApiKey> ApiKeys { get; set; } = [];

    [Id(3)] public Dictionary<string, StoredCampaign> Campaigns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Moves on every campaign, workflow or settings change; user grains refresh their campaign set when it does.</summary>
    [Id(4)] public long CampaignSetVersion { get; set; }

    [Id(5)] public TenantSettings Settings { get; set; } = new(AlertChannel: null);
}

/// <summary>An API key as stored: the SHA-256 of the key (keys are 256-bit random, so a fast hash is enough).</summary>
[GenerateSerializer]
public sealed class StoredApiKey
{
    /// <summary>12 hex characters of the hash: enough to name a key in a list, useless to forge one.</summary>
    [Id(0)] public string Id { get; set; } = "";

    [Id(1)] public byte[] Hash { get; set; } = [];

    [Id(2)] public string Name { get; set; } = "";

    [Id(3)] public DateTimeOffset CreatedAt { get; set; }

    [Id(4)] public DateTimeOffset? LastUsedAt { get; set; }

    public static StoredApiKey Create(byte[] hash, string name, DateTimeOffset createdAt) =>
        hash.Length != 32
            ? throw new ArgumentException($"An API key hash is the 32-byte SHA-256 of the key, not {hash.Length} bytes.", nameof(hash))
            : new() { Id = Convert.ToHexStringLower(hash.AsSpan(0, 6)), Hash = hash, Name = name, CreatedAt = createdAt };

    public ApiKeyInfo ToInfo() => new(Id, Name, CreatedAt, LastUsedAt);
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
    /// <summary>Last-used times are recorded at this granularity, so a busy key costs one write a minute, not one per request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private CampaignSet? _set;
    private bool _lastUsedDirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(static grain => grain.FlushLastUsed(), this, LastUsedResolution, LastUsedResolution);
        return Task.CompletedTask;
    }

    public async Task<TenantCreation> Create(string name, byte[] apiKeyHash)
    {
        if (state.RecordExists)
        {
            return TenantCreation.AlreadyExists;
        }

        var now = time.GetUtcNow();
        state.State = new TenantState
        {
            Name = name,
            CreatedAt = now,
            ApiKeys = [StoredApiKey.Create(apiKeyHash, "initial", now)],
        };
        await state.WriteStateAsync();
        return TenantCreation.Created;
    }

    public ValueTask<bool> Exists() => ValueTask.FromResult(state.RecordExists);

    public ValueTask<bool> IsValidApiKey(byte[] apiKeyHash)
    {
        StoredApiKey? match = null;
        if (state.RecordExists)
        {
            foreach (var stored in state.State.ApiKeys)
            {
                // Constant time, and no early exit, so timing tells nothing about which bytes matched.
                if (CryptographicOperations.FixedTimeEquals(stored.Hash, apiKeyHash))
                {
                    match = stored;
                }
            }
        }

        if (match is not null)
        {
            NoteUse(match);
        }

        return ValueTask.FromResult(match is not null);
    }

    public async Task<ApiKeyInfo?> AddApiKey(string name, byte[] apiKeyHash)
    {
        if (!state.RecordExists)
        {
            return null;
        }

        var key = StoredApiKey.Create(apiKeyHash, name, time.GetUtcNow());
        state.State.ApiKeys.Add(key);
        await state.WriteStateAsync();
        return key.ToInfo();
    }

    public ValueTask<ApiKeyInfo[]> GetApiKeys() => ValueTask.FromResult(state.State.ApiKeys.Select(k => k.ToInfo()).ToArray());

    public async Task<bool> RevokeApiKey(string keyId)
    {
        var removed = state.State.ApiKeys.RemoveAll(k => k.Id == keyId);
        if (removed == 0)
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }

    /// <summary>
    /// Moves the key's last-used time in memory only: this runs in a read-only call, which must not write. The
    /// one-minute flush timer (or any other write) persists it; a deactivation may lose the last minute of it,
    /// which is what its resolution promises anyway.
    /// </summary>
    private void NoteUse(StoredApiKey key)
    {
        var now = time.GetUtcNow();
        if (key.LastUsedAt is { } last && now - last < LastUsedResolution)
        {
            return;
        }

        key.LastUsedAt = now;
        _lastUsedDirty = true;
    }

    private async Task FlushLastUsed()
    {
        if (_lastUsedDirty && state.RecordExists)
        {
            _lastUsedDirty = false;
            await state.WriteStateAsync();
        }
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

    public async Task<bool> RemoveCampaign(string campaignId)
    {
        if (!state.RecordExists || !state.State.Campaigns.Remove(campaignId))
        {
            return false;
        }

        state.State.CampaignSetVersion++;
        _set = null;
        await state.WriteStateAsync();
        return true;
    }

    public async Task<FieldError[]> PutSettings(TenantSettings settings)
    {
        if (!state.RecordExists)
        {
            return [new FieldError("tenantId", "no such tenant")];
        }

        FieldError[] errors = settings.AlertChannel is { } alert ? [.. validator.ValidateChannel(alert, "alertChannel")] : [];
        if (errors.Length == 0)
        {
            state.State.Settings = settings;
            // The quiet hours travel with the campaign set, so user grains see the change with their next event.
            state.State.CampaignSetVersion++;
            _set = null;
            await state.WriteStateAsync();
        }

        return errors;
    }

    public ValueTask<TenantSettings> GetSettings() => ValueTask.FromResult(state.State.Settings);

    public ValueTask<CampaignSet> GetCampaigns() => ValueTask.FromResult(CurrentSet());

    public ValueTask<CampaignSet?> GetCampaignsIfChanged(long knownVersion) =>
        ValueTask.FromResult(knownVersion == state.State.CampaignSetVersion ? null : CurrentSet());

    private CampaignSet CurrentSet()
    {
        // Built once per version: every user grain of the tenant asks for it after a change.
        return _set ??= new CampaignSet(
            state.State.CampaignSetVersion,
            [.. state.State.Campaigns.Values.OrderBy(c => c.CampaignId, StringComparer.Ordinal)],
            [],
            state.State.Settings.QuietHours);
    }
}
