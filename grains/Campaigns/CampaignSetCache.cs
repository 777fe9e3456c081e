using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SecurityCoach.Rules;

namespace SecurityCoach.Campaigns;

/// <summary>
/// A stored campaign with its pattern compiled and the stored workflow it names (null when it names none, or one
/// the set does not hold: the coaching then fails with a clear error rather than running something else).
/// </summary>
public sealed record CompiledCampaign(StoredCampaign Campaign, EventPattern Pattern, StoredWorkflow? Workflow);

/// <summary>A tenant's campaigns at one version, compiled, with the tenant's quiet hours.</summary>
public sealed record CompiledCampaignSet(long Version, CompiledCampaign[] Campaigns, QuietHours? QuietHours, TenantQuotas Quotas, TimeSpan? EndedCoachingRetention = null);

/// <summary>
/// The compiled campaigns of each tenant, shared by every user grain of the silo, so a pattern is compiled once
/// per campaign version and silo rather than once per user. Each lookup asks the tenant grain whether its version
/// moved (a read-only call that returns nothing when it did not), so a campaign change reaches the next event
/// of every user on every silo.
/// </summary>
public sealed class CampaignSetCache(IGrainFactory grains, ILogger<CampaignSetCache> logger)
{
    private static readonly CompiledCampaignSet Empty = new(-1, [], null, TenantQuotas.Default);

    private readonly ConcurrentDictionary<string, CompiledCampaignSet> _byTenant = new(StringComparer.Ordinal);

    public async ValueTask<CompiledCampaignSet> GetAsync(string tenantId)
    {
        var cached = _byTenant.GetValueOrDefault(tenantId, Empty);
        var fresh = await grains.Reference<ITenantGrain>(tenantId).GetCampaignsIfChanged(cached.Version);
        if (fresh is null)
        {
            return cached;
        }

        var compiled = Compile(tenantId, fresh);
        // Two users may race to refresh; keep whichever is newer.
        return _byTenant.AddOrUpdate(tenantId, compiled, (_, existing) => existing.Version >= compiled.Version ? existing : compiled);
    }

    private CompiledCampaignSet Compile(string tenantId, CampaignSet set)
    {
        var compiled = new List<CompiledCampaign>(set.Campaigns.Length);
        foreach (var campaign in set.Campaigns)
        {
            var workflow = campaign.Definition.Workflow is { } name ? Array.Find(set.Workflows, w => w.Name == name) : null;
            try
            {
                compiled.Add(new CompiledCampaign(campaign, EventPattern.Parse(campaign.Definition.Pattern), workflow));
            }
            catch (PatternException e)
            {
                // Patterns are validated when stored; one that no longer compiles (a stricter matcher after an
                // upgrade) must not stop the tenant's other campaigns.
                logger.LogError("Campaign {TenantId}/{CampaignId} v{Version} has a pattern that does not compile ({Path}: {Problem}); it is skipped",
                    tenantId, campaign.CampaignId, campaign.Version, e.Path, e.Message);
            }
        }

        return new CompiledCampaignSet(set.Version, [.. compiled], set.QuietHours, set.Quotas, set.EndedCoachingRetention);
    }
}
