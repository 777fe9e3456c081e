namespace SecurityCoach.Notifications;

/// <summary>What a channel sends: the rendered tip and the event that caused it.</summary>
public sealed record CoachingMessage(
    string CoachingId,
    string TenantId,
    string UserKey,
    string CampaignId,
    string EventId,
    CoachingTip Tip,
    byte[] EventJson);

/// <summary>The outcome of one send: delivered, or failed with a reason (every failure is retried).</summary>
public readonly record struct ChannelResult(bool Delivered, string? Error)
{
    public static ChannelResult Ok() => new(true, null);

    public static ChannelResult Failed(string error) => new(false, error);
}

/// <summary>One kind of delivery channel (webhook today; email, Slack and Teams follow).</summary>
public interface ICoachingChannel
{
    /// <summary>The value of a campaign channel's <c>type</c> that this channel serves.</summary>
    string Type { get; }

    /// <summary>The problems of a channel definition, each named by its field under <paramref name="path"/>.</summary>
    IEnumerable<FieldError> Validate(ChannelDefinition channel, string path);

    /// <summary>Sends the message. Never throws for a delivery failure: it returns one.</summary>
    Task<ChannelResult> SendAsync(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken);
}

/// <summary>The channels that exist, by type.</summary>
public sealed class ChannelRegistry(IEnumerable<ICoachingChannel> channels)
{
    private readonly Dictionary<string, ICoachingChannel> _byType =
        channels.ToDictionary(c => c.Type, StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Types => _byType.Keys;

    public bool TryGet(string type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ICoachingChannel? channel) =>
        _byType.TryGetValue(type, out channel);
}
