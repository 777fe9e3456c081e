using SecurityCoach.Coaching;

namespace SecurityCoach.Notifications;

/// <summary>
/// What a channel sends: the rendered tip and the event that caused it. <see cref="Template"/> is the campaign's tip
/// that <see cref="Tip"/> was rendered from, when it was: a chat channel renders it again with its escaper, which is
/// simpler and safer than undoing a plain rendering, because only the renderer knows which text came from the event.
/// </summary>
public sealed record CoachingMessage(
    string CoachingId,
    string TenantId,
    string UserKey,
    string CampaignId,
    string EventId,
    CoachingTip Tip,
    byte[] EventJson,
    CoachingTip? Template = null)
{
    /// <summary>
    /// The tip for a channel with markup: the template rendered with the event's values escaped, so the tenant's
    /// formatting stays; without a template (an alert, a tip a workflow built itself, which may hold event values
    /// we cannot tell apart) the tip is text and escaped whole.
    /// </summary>
    public CoachingTip FormattedTip(Func<string, string> escapeValue) => Template is { } template
        ? TipRenderer.Render(template, EventJson, escapeValue)
        : new CoachingTip(escapeValue(Tip.Title), escapeValue(Tip.Body));
}

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
