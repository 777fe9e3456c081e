namespace SecurityCoach;

/// <summary>
/// What one tenant may hold and start, as the operator's settings (<c>SecurityCoach:Quotas</c>) and the tenant's own
/// overrides make them. The counts are checked where the things are stored (the tenant grain); the coaching limits
/// travel with the campaign set to every user grain.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TenantQuotas(
    [property: Id(0)] int Campaigns,
    [property: Id(1)] int Workflows,
    [property: Id(2)] int ApiKeys,
    [property: Id(3)] int CoachingsPerBatch,
    [property: Id(4)] int CoachingStartsPerMinute,
    [property: Id(5)] int AliasRows = UserMappingRules.MaxAliases)
{
    /// <summary>The defaults when the operator sets nothing.</summary>
    public static TenantQuotas Default { get; } = new(Campaigns: 100, Workflows: 100, ApiKeys: 50, CoachingsPerBatch: 100, CoachingStartsPerMinute: 6_000);
}
