using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>Outcome of creating a tenant.</summary>
public enum TenantCreation
{
    /// <summary>The tenant was created.</summary>
    Created,

    /// <summary>A tenant with that id already exists; nothing changed.</summary>
    AlreadyExists,
}

/// <summary>One of a tenant's API keys, as listed: never the key, only its id (derived from its hash), and its scopes.</summary>
[GenerateSerializer, Immutable]
public sealed record ApiKeyInfo(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset? LastUsedAt,
    [property: Id(4)] string[] Scopes);

/// <summary>The outcome of adding a key: the key as listed, or why it was not added.</summary>
[GenerateSerializer, Immutable]
public sealed record AddApiKeyResult([property: Id(0)] ApiKeyInfo? Key, [property: Id(1)] FieldError[] Errors, [property: Id(2)] QuotaExceeded? Quota = null);

/// <summary>Tenant-wide settings: where failure alerts go, and the default quiet hours of its users.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantSettings(
    [property: Id(0)] ChannelDefinition? AlertChannel,
    [property: Id(1)] QuietHours? QuietHours = null,
    [property: Id(2)] TimeSpan? EndedCoachingRetention = null,
    [property: Id(3)] TimeSpan? AuditRetention = null)
{
    /// <summary>The shortest and longest <see cref="EndedCoachingRetention"/> a tenant may choose.</summary>
    public static readonly TimeSpan MinRetention = TimeSpan.FromDays(1);

    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(3650);
}

/// <summary>One customer: its API keys (as hashes), campaigns, workflows and settings. Key: the tenant id.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant with its first API key, given as a hash (the key itself is never stored).</summary>
    Task<TenantCreation> Create(string name, byte[] apiKeyHash);

    /// <summary>
    /// The key's grant when the tenant exists and <paramref name="apiKeyHash"/> is one of its live keys, else null; the
    /// key's last-used time moves (kept in memory, written at most once a minute).
    /// </summary>
    [ReadOnly]
    ValueTask<ApiKeyGrant?> Authenticate(byte[] apiKeyHash);

    /// <summary>
    /// Adds a key (given as a hash) with its scopes (<see cref="ApiKeyScopes"/>, at least one); the errors when the
    /// tenant does not exist (<c>tenantId</c>), a scope is unknown (<c>scopes</c>) or the tenant holds its quota of keys.
    /// </summary>
    Task<AddApiKeyResult> AddApiKey(string name, byte[] apiKeyHash, string[] scopes);

    /// <summary>The tenant's live keys.</summary>
    [ReadOnly]
    ValueTask<ApiKeyInfo[]> GetApiKeys();

    /// <summary>Revokes a key at once; false when no live key has that id.</summary>
    Task<bool> RevokeApiKey(string keyId);

    /// <summary>Validates and stores the tenant's settings; the errors when they are invalid (nothing changes then).</summary>
    Task<FieldError[]> PutSettings(TenantSettings settings);

    /// <summary>The tenant's settings (defaults when never set).</summary>
    [ReadOnly]
    ValueTask<TenantSettings> GetSettings();

    /// <summary>Sets the operator's quota overrides for this tenant (null members: the settings apply); errors for values below 0.</summary>
    Task<FieldError[]> PutQuotas(TenantQuotaOverrides overrides);

    /// <summary>The quotas that apply to the tenant now.</summary>
    [ReadOnly]
    ValueTask<TenantQuotas> GetQuotas();

    /// <summary>True when the tenant exists.</summary>
    [ReadOnly]
    ValueTask<bool> Exists();

    /// <summary>Validates and stores a campaign (insert or replace) and moves the campaign-set version.</summary>
    Task<PutCampaignResult> PutCampaign(string campaignId, CampaignDefinition definition);

    /// <summary>Removes a campaign and moves the campaign-set version; false (nothing changes) when there is none by that id.</summary>
    Task<bool> RemoveCampaign(string campaignId);

    /// <summary>
    /// Validates and stores a workflow (insert or replace) and moves the campaign-set version, so the campaigns naming
    /// it start their next coachings with the new text; coachings already running keep the text they started with.
    /// Errors: the name (shape, the reserved <see cref="WorkflowRules.DefaultName"/>, the tenant's count), the size,
    /// and every problem of the definition with its JSON path (<c>$.States.Deliver.Retry[1].BackoffRate</c>).
    /// </summary>
    Task<PutWorkflowResult> PutWorkflow(string name, string definition);

    /// <summary>A stored workflow, or null when the tenant has none by that name.</summary>
    [ReadOnly]
    ValueTask<StoredWorkflow?> GetWorkflow(string name);

    /// <summary>The tenant's stored workflows, by name.</summary>
    [ReadOnly]
    ValueTask<StoredWorkflow[]> ListWorkflows();

    /// <summary>The built-in workflow's definition (Amazon States Language), as this silo's settings shape it.</summary>
    [ReadOnly]
    ValueTask<string> GetDefaultWorkflow();

    /// <summary>Removes a workflow no campaign names, and moves the campaign-set version.</summary>
    Task<RemoveWorkflowResult> RemoveWorkflow(string name);

    /// <summary>The current campaign set.</summary>
    [ReadOnly]
    ValueTask<CampaignSet> GetCampaigns();

    /// <summary>The current campaign set, or null when its version is still <paramref name="knownVersion"/>.</summary>
    [ReadOnly]
    ValueTask<CampaignSet?> GetCampaignsIfChanged(long knownVersion);
}
