namespace SecurityCoach;

/// <summary>The operator's quotas for one tenant where they differ from the settings; a null member keeps the setting.</summary>
[GenerateSerializer, Immutable]
public sealed record TenantQuotaOverrides(
    [property: Id(0)] int? Campaigns = null,
    [property: Id(1)] int? Workflows = null,
    [property: Id(2)] int? ApiKeys = null,
    [property: Id(3)] int? CoachingsPerBatch = null,
    [property: Id(4)] int? CoachingStartsPerMinute = null,
    [property: Id(5)] int? AliasRows = null)
{
    /// <summary>The quotas that apply: each override, else the operator's setting.</summary>
    public TenantQuotas Apply(TenantQuotas settings) => new(
        Campaigns ?? settings.Campaigns,
        Workflows ?? settings.Workflows,
        ApiKeys ?? settings.ApiKeys,
        CoachingsPerBatch ?? settings.CoachingsPerBatch,
        CoachingStartsPerMinute ?? settings.CoachingStartsPerMinute,
        AliasRows ?? settings.AliasRows);
}
