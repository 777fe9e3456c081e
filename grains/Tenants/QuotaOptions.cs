namespace SecurityCoach.Tenants;

/// <summary>
/// The operator's per-tenant quotas (section <c>SecurityCoach:Quotas</c>): every tenant gets these unless the operator
/// set other values for it (<c>PUT /v1/tenants/{t}/quotas</c>). Defaults in <see cref="TenantQuotas.Default"/>.
/// </summary>
public sealed class QuotaOptions
{
    public const string Section = "SecurityCoach:Quotas";

    /// <summary>Campaigns a tenant may store (system campaigns it enabled included).</summary>
    public int Campaigns { get; set; } = TenantQuotas.Default.Campaigns;

    /// <summary>Stored workflows.</summary>
    public int Workflows { get; set; } = TenantQuotas.Default.Workflows;

    /// <summary>Live API keys.</summary>
    public int ApiKeys { get; set; } = TenantQuotas.Default.ApiKeys;

    /// <summary>Coachings one batch (one request's events for one user) may start; further matches are scored and counted (the user's <c>CoachingsOverQuota</c>), not coached.</summary>
    public int CoachingsPerBatch { get; set; } = TenantQuotas.Default.CoachingsPerBatch;

    /// <summary>Coachings a tenant's users may start per clock minute on one silo; further matches are scored and counted, not coached.</summary>
    public int CoachingStartsPerMinute { get; set; } = TenantQuotas.Default.CoachingStartsPerMinute;

    /// <summary>Rows of the tenant's alias table, at most <see cref="UserMappingRules.MaxAliases"/> (it lives in one grain's state).</summary>
    public int AliasRows { get; set; } = TenantQuotas.Default.AliasRows;

    public TenantQuotas ToQuotas() => new(Campaigns, Workflows, ApiKeys, CoachingsPerBatch, CoachingStartsPerMinute, AliasRows);
}
