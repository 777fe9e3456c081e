namespace SecurityCoach;

/// <summary>The tip a campaign sends to the user who triggered it.</summary>
[GenerateSerializer, Immutable]
public sealed record CoachingTip([property: Id(0)] string Title, [property: Id(1)] string Body);

/// <summary>
/// A delivery channel of a campaign: <c>webhook</c> (Url, Secret), <c>slack</c> and <c>teams</c> (Url of the incoming
/// webhook), <c>email</c> (optional From, the tenant's sender, and To, an address template such as
/// <c>{{actor.user.email_addr}}</c>; by default the user's e-mail; AllowedRecipientDomains, when set, the only domains
/// it may send to). Stored, the secret parts (a webhook's Secret, a chat channel's Url) are encrypted (grains/Secrets);
/// <see cref="UrlShown"/> is then what the API shows of such a URL.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ChannelDefinition(
    [property: Id(0)] string Type,
    [property: Id(1)] string Url,
    [property: Id(2)] string Secret,
    [property: Id(3)] string? From = null,
    [property: Id(4)] string? To = null,
    [property: Id(5)] string? UrlShown = null,
    [property: Id(6)] string[]? AllowedRecipientDomains = null);

/// <summary>
/// A campaign as the customer defines it. <see cref="Pattern"/> is an EventBridge event pattern (JSON text);
/// <see cref="Workflow"/> names one of the tenant's stored workflows its coachings run (null: the built-in default).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CampaignDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string Pattern,
    [property: Id(2)] double RiskWeight,
    [property: Id(3)] CoachingTip Tip,
    [property: Id(4)] ChannelDefinition[] Channels,
    [property: Id(5)] TimeSpan? DeliveryLimit,
    [property: Id(6)] bool TestMode,
    [property: Id(7)] string? Workflow = null);

/// <summary>A stored campaign. <see cref="Version"/> is the tenant's campaign-set version when it was written.</summary>
[GenerateSerializer, Immutable]
public sealed record StoredCampaign(
    [property: Id(0)] string CampaignId,
    [property: Id(1)] CampaignDefinition Definition,
    [property: Id(2)] long Version,
    [property: Id(3)] DateTimeOffset UpdatedAt);

/// <summary>
/// All campaigns of a tenant at one version of the set, with what their coachings need from the tenant: the stored
/// workflows they name and the tenant's quiet hours (so a coaching starts with them without another call).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CampaignSet(
    [property: Id(0)] long Version,
    [property: Id(1)] StoredCampaign[] Campaigns,
    [property: Id(2)] StoredWorkflow[] Workflows,
    [property: Id(3)] QuietHours? QuietHours)
{
    /// <summary>The tenant's quotas, which the user grains apply to the coachings they start.</summary>
    [Id(4)]
    public TenantQuotas Quotas { get; init; } = TenantQuotas.Default;

    /// <summary>How long the tenant keeps an ended coaching (null: the operator's default), carried into each coaching.</summary>
    [Id(5)]
    public TimeSpan? EndedCoachingRetention { get; init; }
}

/// <summary>A field of a request that failed validation, named by its JSON path, and what is wrong with it.</summary>
[GenerateSerializer, Immutable]
public sealed record FieldError([property: Id(0)] string Field, [property: Id(1)] string Problem);

/// <summary>The outcome of storing a campaign: the stored campaign, or the fields that made it invalid.</summary>
[GenerateSerializer, Immutable]
public sealed record PutCampaignResult([property: Id(0)] StoredCampaign? Campaign, [property: Id(1)] FieldError[] Errors, [property: Id(2)] QuotaExceeded? Quota = null);
