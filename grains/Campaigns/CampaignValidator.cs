using SecurityCoach.Notifications;
using SecurityCoach.Rules;

namespace SecurityCoach.Campaigns;

/// <summary>
/// Checks a campaign before it is stored. Errors name the field by its path in the request body
/// (<c>pattern.severity_id[0].numeric</c>, <c>channels[1].url</c>) so a client can point at the mistake.
/// </summary>
public sealed class CampaignValidator(ChannelRegistry channels)
{
    public const int MaxChannels = 10;
    public const int MaxTipLength = 4_000;

    public FieldError[] Validate(CampaignDefinition campaign)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(campaign.Name))
        {
            errors.Add(new FieldError("name", "is required"));
        }

        try
        {
            EventPattern.Parse(campaign.Pattern);
        }
        catch (PatternException e)
        {
            errors.Add(new FieldError("pattern" + e.Path.TrimStart('$'), e.Message));
        }

        if (!double.IsFinite(campaign.RiskWeight) || campaign.RiskWeight < 0)
        {
            errors.Add(new FieldError("riskWeight", "must be a finite number ≥ 0"));
        }

        ValidateTip(campaign.Tip, errors);
        ValidateChannels(campaign.Channels, errors);

        if (campaign.DeliveryLimit is { } limit && limit <= TimeSpan.Zero)
        {
            errors.Add(new FieldError("deliveryLimit", "must be a positive duration"));
        }

        return [.. errors];
    }

    private static void ValidateTip(CoachingTip tip, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(tip.Title))
        {
            errors.Add(new FieldError("tip.title", "is required"));
        }
        else if (tip.Title.Length > MaxTipLength)
        {
            errors.Add(new FieldError("tip.title", $"must be at most {MaxTipLength} characters"));
        }

        if (string.IsNullOrWhiteSpace(tip.Body))
        {
            errors.Add(new FieldError("tip.body", "is required"));
        }
        else if (tip.Body.Length > MaxTipLength)
        {
            errors.Add(new FieldError("tip.body", $"must be at most {MaxTipLength} characters"));
        }
    }

    private void ValidateChannels(ChannelDefinition[] definitions, List<FieldError> errors)
    {
        if (definitions.Length == 0)
        {
            errors.Add(new FieldError("channels", "needs at least one channel"));
        }
        else if (definitions.Length > MaxChannels)
        {
            errors.Add(new FieldError("channels", $"has more than {MaxChannels} channels"));
        }

        for (var i = 0; i < definitions.Length; i++)
        {
            errors.AddRange(ValidateChannel(definitions[i], $"channels[{i}]"));
        }
    }

    /// <summary>The problems of one channel definition, named under <paramref name="path"/>.</summary>
    public IEnumerable<FieldError> ValidateChannel(ChannelDefinition definition, string path) =>
        channels.TryGet(definition.Type, out var channel)
            ? channel.Validate(definition, path)
            : [new FieldError($"{path}.type", $"unknown channel type '{definition.Type}'; known: {string.Join(", ", channels.Types)}")];
}
