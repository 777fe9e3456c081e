using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace SecurityCoach.Notifications;

/// <summary>
/// A Slack incoming webhook: the tip as Block Kit blocks (header, text, context line), with <c>text</c> as the
/// notification fallback Slack requires. Incoming webhooks post to the channel the customer bound them to.
/// </summary>
public sealed class SlackChannel(HttpDelivery http) : ICoachingChannel
{
    public string Type => "slack";

    public IEnumerable<FieldError> Validate(ChannelDefinition channel, string path) =>
        http.ValidateVendorUrl(channel.Url, path, "Slack", "hooks.slack.com") is { } error ? [error] : [];

    public async Task<ChannelResult> SendAsync(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = JsonContent.Create(Payload(message)) };
        return await http.SendAsync("Slack", message.TenantId, request, cancellationToken);
    }

    /// <summary>
    /// Every mrkdwn text (the fallback, the body, the context line) carries the event's values escaped; the header is
    /// plain_text, which Slack shows as written, so it has the plain rendering.
    /// </summary>
    internal static JsonObject Payload(CoachingMessage message) => Payload(message, message.FormattedTip(ChatEscaping.Slack));

    private static JsonObject Payload(CoachingMessage message, CoachingTip formatted) => new()
    {
        ["text"] = $"{formatted.Title}: {formatted.Body}",
        ["blocks"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = message.Tip.Title, ["emoji"] = true },
            },
            new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = formatted.Body },
            },
            new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray(new JsonObject
                {
                    ["type"] = "mrkdwn",
                    ["text"] = $"For {ChatEscaping.Slack(message.UserKey)} · campaign {message.CampaignId} · coaching {message.CoachingId}",
                }),
            }),
    };
}

/// <summary>A Microsoft Teams incoming webhook (or Workflows webhook): the tip as an Adaptive Card 1.4.</summary>
public sealed class TeamsChannel(HttpDelivery http) : ICoachingChannel
{
    public string Type => "teams";

    /// <summary>Office 365 connectors (<c>*.webhook.office.com</c>) and Power Automate / Workflows webhooks.</summary>
    public IEnumerable<FieldError> Validate(ChannelDefinition channel, string path) =>
        http.ValidateVendorUrl(channel.Url, path, "Microsoft Teams", ".webhook.office.com", ".logic.azure.com", ".powerplatform.com") is { } error ? [error] : [];

    public async Task<ChannelResult> SendAsync(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = JsonContent.Create(Payload(message)) };
        return await http.SendAsync("Teams", message.TenantId, request, cancellationToken);
    }

    /// <summary>The text blocks and facts are Markdown: the event's values and the user key arrive escaped.</summary>
    internal static JsonObject Payload(CoachingMessage message) => Payload(message, message.FormattedTip(ChatEscaping.Teams));

    private static JsonObject Payload(CoachingMessage message, CoachingTip formatted) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = "application/vnd.microsoft.card.adaptive",
            ["content"] = new JsonObject
            {
                ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                ["type"] = "AdaptiveCard",
                ["version"] = "1.4",
                ["body"] = new JsonArray(
                    new JsonObject { ["type"] = "TextBlock", ["text"] = formatted.Title, ["size"] = "Medium", ["weight"] = "Bolder", ["wrap"] = true },
                    new JsonObject { ["type"] = "TextBlock", ["text"] = formatted.Body, ["wrap"] = true },
                    new JsonObject
                    {
                        ["type"] = "FactSet",
                        ["facts"] = new JsonArray(
                            new JsonObject { ["title"] = "User", ["value"] = ChatEscaping.Teams(message.UserKey) },
                            new JsonObject { ["title"] = "Campaign", ["value"] = message.CampaignId }),
                    }),
            },
        }),
    };
}
