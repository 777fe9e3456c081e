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

/// <summary>
/// The error names a channel failure carries, so that a workflow can Retry or Catch on them (ASL
/// <c>ErrorEquals</c>): the same names for every channel.
/// </summary>
public static class ChannelErrors
{
    /// <summary>Worth retrying: a 5xx, 408, a refused or dropped connection, an SMTP 4xx.</summary>
    public const string Transient = "Channel.Transient";

    /// <summary>The receiver refused this message (4xx other than 408/429, an SMTP 5xx, no address): retrying the same message will not help.</summary>
    public const string Rejected = "Channel.Rejected";

    /// <summary>The receiver asked us to slow down (429); <see cref="ChannelResult.RetryAfter"/> says for how long when it said so.</summary>
    public const string RateLimited = "Channel.RateLimited";

    /// <summary>No answer within the channel timeout.</summary>
    public const string Timeout = "Channel.Timeout";

    /// <summary>
    /// The destination is one the operator's outbound policy does not allow (a private, loopback or link-local address,
    /// plain http to the internet), or an SMTP server that does not offer the TLS required of it: nothing was sent, and
    /// retrying will not help.
    /// </summary>
    public const string Forbidden = "Channel.Forbidden";
}

/// <summary>The outcome of one send: delivered, or failed with a named error, a reason and maybe a wait the receiver asked for.</summary>
public readonly record struct ChannelResult(bool Delivered, string? ErrorName, string? Error, TimeSpan? RetryAfter)
{
    public static ChannelResult Ok() => new(true, null, null, null);

    public static ChannelResult Failed(string errorName, string error, TimeSpan? retryAfter = null) => new(false, errorName, error, retryAfter);
}

/// <summary>One kind of delivery channel: webhook, Slack, Teams, email.</summary>
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
