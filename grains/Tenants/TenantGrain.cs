using Microsoft.Extensions.Logging;
using System.Security.Cryptography;
using System.Text;
using SecurityCoach.Campaigns;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Secrets;

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

    /// <summary>The tenant's stored workflows, by name.</summary>
    [Id(6)] public Dictionary<string, StoredWorkflow> Workflows { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The operator's quotas for this tenant where they differ from the settings.</summary>
    [Id(7)] public TenantQuotaOverrides QuotaOverrides { get; set; } = new();
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

    /// <summary>What the key may do (<see cref="ApiKeyScopes"/>); null for a key stored before scopes existed, which may do everything.</summary>
    [Id(5)] public string[]? Scopes { get; set; }

    public string[] EffectiveScopes => Scopes ?? [.. ApiKeyScopes.All];

    public static StoredApiKey Create(byte[] hash, string name, DateTimeOffset createdAt, string[] scopes) =>
        hash.Length != 32
            ? throw new ArgumentException($"An API key hash is the 32-byte SHA-256 of the key, not {hash.Length} bytes.", nameof(hash))
            : new() { Id = Convert.ToHexStringLower(hash.AsSpan(0, 6)), Hash = hash, Name = name, CreatedAt = createdAt, Scopes = scopes };

    public ApiKeyInfo ToInfo() => new(Id, Name, CreatedAt, LastUsedAt, EffectiveScopes);
}

/// <summary>
/// One tenant. Every read is <c>[ReadOnly]</c>, so the key checks and version checks that each ingest request and
/// each event batch make interleave freely; only creation and campaign, workflow and settings writes take the
/// grain in turn. A campaign may only name a workflow the tenant has, and a workflow a campaign names cannot be
/// removed, so every campaign in a set finds its workflow there.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant")] IPersistentState<TenantState> state,
    CampaignValidator validator,
    CoachingWorkflows workflows,
    Microsoft.Extensions.Options.IOptions<QuotaOptions> quotaOptions,
    ISecretProtector secrets,
    IAuditLog audit,
    TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain, IRemindable
{
    private const string AuditRetentionReminder = "audit-retention";

    /// <summary>How often the tenant's audit trail is swept while it has a retention: the trail's objects are per hour.</summary>
    private static readonly TimeSpan AuditSweepPeriod = TimeSpan.FromHours(1);

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
            ApiKeys = [StoredApiKey.Create(apiKeyHash, "initial", now, [.. ApiKeyScopes.All])],
        };
        await state.WriteStateAsync();
        return TenantCreation.Created;
    }

    public ValueTask<bool> Exists() => ValueTask.FromResult(state.RecordExists);

    public ValueTask<ApiKeyGrant?> Authenticate(byte[] apiKeyHash)
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

        if (match is null)
        {
            return ValueTask.FromResult<ApiKeyGrant?>(null);
        }

        NoteUse(match);
        return ValueTask.FromResult<ApiKeyGrant?>(new ApiKeyGrant(match.Id, match.EffectiveScopes));
    }

    public async Task<AddApiKeyResult> AddApiKey(string name, byte[] apiKeyHash, string[] scopes)
    {
        if (!state.RecordExists)
        {
            return new AddApiKeyResult(null, [new FieldError("tenantId", "no such tenant")]);
        }

        if (scopes.Length == 0 || !Array.TrueForAll(scopes, ApiKeyScopes.IsKnown))
        {
            return new AddApiKeyResult(null, [new FieldError("scopes", $"must list one or more of: {string.Join(", ", ApiKeyScopes.All)}")]);
        }

        var limit = Quotas().ApiKeys;
        if (state.State.ApiKeys.Count >= limit)
        {
            return new AddApiKeyResult(null, [], new QuotaExceeded("apiKeys", limit));
        }

        // Stored in the catalogue's order, each once, whatever order the caller listed them in.
        string[] ordered = [.. ApiKeyScopes.All.Where(scopes.Contains)];
        var key = StoredApiKey.Create(apiKeyHash, name, time.GetUtcNow(), ordered);
        state.State.ApiKeys.Add(key);
        await state.WriteStateAsync();
        return new AddApiKeyResult(key.ToInfo(), []);
    }

    public async Task<FieldError[]> PutQuotas(TenantQuotaOverrides overrides)
    {
        if (!state.RecordExists)
        {
            return [new FieldError("tenantId", "no such tenant")];
        }

        var errors = new List<FieldError>();
        void NotNegative(int? value, string field)
        {
            if (value < 0)
            {
                errors.Add(new FieldError(field, "must be 0 or more (null: the operator's setting applies)"));
            }
        }

        NotNegative(overrides.Campaigns, "campaigns");
        NotNegative(overrides.Workflows, "workflows");
        NotNegative(overrides.ApiKeys, "apiKeys");
        NotNegative(overrides.CoachingsPerBatch, "coachingsPerBatch");
        NotNegative(overrides.CoachingStartsPerMinute, "coachingStartsPerMinute");
        NotNegative(overrides.AliasRows, "aliasRows");
        if (overrides.AliasRows > UserMappingRules.MaxAliases)
        {
            errors.Add(new FieldError("aliasRows", $"must be at most {UserMappingRules.MaxAliases}: the alias table lives in one grain's state"));
        }
        if (errors.Count > 0)
        {
            return [.. errors];
        }

        state.State.QuotaOverrides = overrides;
        // The coaching quotas travel with the campaign set.
        state.State.CampaignSetVersion++;
        _set = null;
        await state.WriteStateAsync();
        return [];
    }

    public ValueTask<TenantQuotas> GetQuotas() => ValueTask.FromResult(Quotas());

    private TenantQuotas Quotas() => state.State.QuotaOverrides.Apply(quotaOptions.Value.ToQuotas());

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

        // Naming the built-in is the same as naming none; stored that way, it runs whatever the built-in is then.
        if (definition.Workflow == WorkflowRules.DefaultName)
        {
            definition = definition with { Workflow = null };
        }

        var errors = validator.Validate(definition);
        if (definition.Workflow is { } workflow && !state.State.Workflows.ContainsKey(workflow))
        {
            errors = [.. errors, new FieldError("workflow",
                $"the tenant has no workflow '{workflow}'; store it first (PUT …/workflows/{workflow}), or leave workflow out to run the built-in '{WorkflowRules.DefaultName}'")];
        }

        if (errors.Length > 0)
        {
            return new PutCampaignResult(null, errors);
        }

        var campaignLimit = Quotas().Campaigns;
        if (!state.State.Campaigns.ContainsKey(campaignId) && state.State.Campaigns.Count >= campaignLimit)
        {
            return new PutCampaignResult(null, [], new QuotaExceeded("campaigns", campaignLimit));
        }

        // Validated in the clear; stored with its secrets encrypted.
        definition = definition with { Channels = await SealAsync(definition.Channels) };
        var version = state.State.CampaignSetVersion + 1;
        var stored = new StoredCampaign(campaignId, definition, version, time.GetUtcNow());
        state.State.Campaigns[campaignId] = stored;
        state.State.CampaignSetVersion = version;
        _set = null;
        await state.WriteStateAsync();
        return new PutCampaignResult(stored, []);
    }

    private async Task<ChannelDefinition[]> SealAsync(ChannelDefinition[] channels)
    {
        var tenantId = this.GetPrimaryKeyString();
        var sealedChannels = new ChannelDefinition[channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            sealedChannels[i] = await ChannelSecrets.SealAsync(secrets, tenantId, channels[i]);
        }

        return sealedChannels;
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

        var errors = new List<FieldError>();
        if (settings.AlertChannel is { } alert)
        {
            errors.AddRange(validator.ValidateChannel(alert, "alertChannel"));
        }

        if (settings.QuietHours is { } hours)
        {
            errors.AddRange(QuietHoursPolicy.Validate(hours, "quietHours"));
        }

        if (settings.EndedCoachingRetention is { } keep && (keep < TenantSettings.MinRetention || keep > TenantSettings.MaxRetention))
        {
            errors.Add(new FieldError("retention.endedCoachings", $"must be between P{TenantSettings.MinRetention.TotalDays}D and P{TenantSettings.MaxRetention.TotalDays}D"));
        }

        if (settings.AuditRetention is { } trail && (trail < TenantSettings.MinRetention || trail > TenantSettings.MaxRetention))
        {
            errors.Add(new FieldError("retention.auditTrail", $"must be between P{TenantSettings.MinRetention.TotalDays}D and P{TenantSettings.MaxRetention.TotalDays}D"));
        }

        if (errors.Count == 0)
        {
            if (settings.AlertChannel is { } channel)
            {
                settings = settings with { AlertChannel = await ChannelSecrets.SealAsync(secrets, this.GetPrimaryKeyString(), channel) };
            }

            state.State.Settings = settings;
            // The quiet hours and the retention travel with the campaign set, so user grains see the change with their next event.
            state.State.CampaignSetVersion++;
            _set = null;
            await state.WriteStateAsync();
            await ScheduleAuditRetention(settings.AuditRetention);
        }

        return [.. errors];
    }

    public ValueTask<TenantSettings> GetSettings() => ValueTask.FromResult(state.State.Settings);

    /// <summary>
    /// With an audit retention the trail is swept now and every hour after (a reminder, so it goes on without
    /// traffic); without one the reminder goes and the bucket's own lifecycle rule is all that expires it.
    /// </summary>
    private async Task ScheduleAuditRetention(TimeSpan? retention)
    {
        if (retention is { } keep)
        {
            await this.RegisterOrUpdateReminder(AuditRetentionReminder, AuditSweepPeriod, AuditSweepPeriod);
            await SweepAuditTrail(keep);
        }
        else if (await this.GetReminder(AuditRetentionReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == AuditRetentionReminder && state.State.Settings.AuditRetention is { } keep)
        {
            await SweepAuditTrail(keep);
        }
    }

    private async Task SweepAuditTrail(TimeSpan keep)
    {
        try
        {
            await audit.ExpireAsync(this.GetPrimaryKeyString(), time.GetUtcNow() - keep, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The settings are stored; the next hourly sweep tries again.
            logger.LogWarning(e, "Tenant {TenantId}: sweeping the audit trail past its retention of {Retention} failed", this.GetPrimaryKeyString(), keep);
        }
    }

    public async Task<PutWorkflowResult> PutWorkflow(string name, string definition)
    {
        if (!state.RecordExists)
        {
            return new PutWorkflowResult(null, [new FieldError("tenantId", "no such tenant")]);
        }

        var workflowLimit = Quotas().Workflows;
        if (Identifiers.IsValidWorkflowName(name) && !state.State.Workflows.ContainsKey(name) && state.State.Workflows.Count >= workflowLimit)
        {
            return new PutWorkflowResult(null, [], new QuotaExceeded("workflows", workflowLimit));
        }

        var errors = ValidateWorkflowName(name);
        var size = Encoding.UTF8.GetByteCount(definition);
        if (size > WorkflowRules.MaxDefinitionBytes)
        {
            errors.Add(new FieldError("$", $"the definition is {size} bytes, more than the {WorkflowRules.MaxDefinitionBytes} allowed"));
        }
        else
        {
            errors.AddRange(workflows.Validate(definition));
            var total = size;
            foreach (var (otherName, other) in state.State.Workflows)
            {
                total += otherName == name ? 0 : Encoding.UTF8.GetByteCount(other.Definition);
            }

            if (total > WorkflowRules.MaxTotalBytes)
            {
                errors.Add(new FieldError("$",
                    $"the tenant's workflows would take {total} bytes in all, more than the {WorkflowRules.MaxTotalBytes} allowed; remove ones no campaign names"));
            }
        }

        if (errors.Count > 0)
        {
            return new PutWorkflowResult(null, [.. errors]);
        }

        var version = state.State.CampaignSetVersion + 1;
        var stored = new StoredWorkflow(name, definition, version, time.GetUtcNow());
        state.State.Workflows[name] = stored;
        // Every write moves the version, even of a workflow no campaign names yet: the stored version then says
        // when it was written, as a campaign's does, at the cost of one refresh per user grain.
        state.State.CampaignSetVersion = version;
        _set = null;
        await state.WriteStateAsync();
        return new PutWorkflowResult(stored, []);
    }

    private List<FieldError> ValidateWorkflowName(string name)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidWorkflowName(name))
        {
            errors.Add(new FieldError("name", "must be 1–64 characters of a-z, 0-9, '-' and '_'"));
        }
        else if (name == WorkflowRules.DefaultName)
        {
            errors.Add(new FieldError("name",
                $"'{WorkflowRules.DefaultName}' is the built-in workflow and cannot be replaced; store yours under another name and name it in the campaign's workflow"));
        }

        return errors;
    }

    public ValueTask<StoredWorkflow?> GetWorkflow(string name) =>
        ValueTask.FromResult(state.State.Workflows.GetValueOrDefault(name));

    public ValueTask<StoredWorkflow[]> ListWorkflows() =>
        ValueTask.FromResult<StoredWorkflow[]>([.. state.State.Workflows.Values.OrderBy(w => w.Name, StringComparer.Ordinal)]);

    public ValueTask<string> GetDefaultWorkflow() => ValueTask.FromResult(workflows.DefaultDefinition);

    public async Task<RemoveWorkflowResult> RemoveWorkflow(string name)
    {
        if (!state.RecordExists || !state.State.Workflows.ContainsKey(name))
        {
            return new RemoveWorkflowResult(false, []);
        }

        string[] usedBy = [.. state.State.Campaigns.Values
            .Where(c => c.Definition.Workflow == name)
            .Select(c => c.CampaignId)
            .Order(StringComparer.Ordinal)];
        if (usedBy.Length > 0)
        {
            return new RemoveWorkflowResult(true, usedBy);
        }

        state.State.Workflows.Remove(name);
        state.State.CampaignSetVersion++;
        _set = null;
        await state.WriteStateAsync();
        return new RemoveWorkflowResult(true, []);
    }

    public ValueTask<CampaignSet> GetCampaigns() => ValueTask.FromResult(CurrentSet());

    public ValueTask<CampaignSet?> GetCampaignsIfChanged(long knownVersion) =>
        ValueTask.FromResult(knownVersion == state.State.CampaignSetVersion ? null : CurrentSet());

    private CampaignSet CurrentSet()
    {
        // Built once per version: every user grain of the tenant asks for it after a change.
        return _set ??= BuildSet();
    }

    /// <summary>
    /// The set carries only the workflows its campaigns name: it goes to every silo's cache after each change, and
    /// a tenant may keep up to <see cref="WorkflowRules.MaxTotalBytes"/> of drafts and unused definitions.
    /// </summary>
    private CampaignSet BuildSet()
    {
        var s = state.State;
        StoredCampaign[] campaigns = [.. s.Campaigns.Values.OrderBy(c => c.CampaignId, StringComparer.Ordinal)];
        var named = new SortedDictionary<string, StoredWorkflow>(StringComparer.Ordinal);
        foreach (var campaign in campaigns)
        {
            if (campaign.Definition.Workflow is { } name && s.Workflows.TryGetValue(name, out var workflow))
            {
                named[name] = workflow;
            }
        }

        return new CampaignSet(s.CampaignSetVersion, campaigns, [.. named.Values], s.Settings.QuietHours)
        {
            Quotas = Quotas(),
            EndedCoachingRetention = s.Settings.EndedCoachingRetention,
        };
    }
}
