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

/// <summary>One customer: its API key hashes and its campaigns. Key: the tenant id.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant with its first API key, given as a hash (the key itself is never stored).</summary>
    Task<TenantCreation> Create(string name, byte[] apiKeyHash);

    /// <summary>True when the tenant exists and <paramref name="apiKeyHash"/> is one of its keys.</summary>
    [ReadOnly]
    ValueTask<bool> IsValidApiKey(byte[] apiKeyHash);

    /// <summary>True when the tenant exists.</summary>
    [ReadOnly]
    ValueTask<bool> Exists();

    /// <summary>Validates and stores a campaign (insert or replace) and moves the campaign-set version.</summary>
    Task<PutCampaignResult> PutCampaign(string campaignId, CampaignDefinition definition);

    /// <summary>The current campaign set.</summary>
    [ReadOnly]
    ValueTask<CampaignSet> GetCampaigns();

    /// <summary>The current campaign set, or null when its version is still <paramref name="knownVersion"/>.</summary>
    [ReadOnly]
    ValueTask<CampaignSet?> GetCampaignsIfChanged(long knownVersion);
}
