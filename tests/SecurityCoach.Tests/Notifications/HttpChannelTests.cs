using SecurityCoach.Notifications;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Notifications;

/// <summary>Webhook, Slack and Teams against a real local HTTP listener: payloads and the mapping of answers to named errors.</summary>
public sealed class HttpChannelTests : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static ICoachingChannel Channel(string type, TimeSpan? timeout = null) => type switch
    {
        "slack" => new SlackChannel(ChannelTestKit.Http(timeout)),
        "teams" => new TeamsChannel(ChannelTestKit.Http(timeout)),
        _ => new WebhookChannel(ChannelTestKit.Http(timeout), TimeProvider.System),
    };

    [Fact]
    public async Task Slack_receives_blocks_with_the_tip_and_a_text_fallback()
    {
        var hook = _receiver.NewHook("unused-secret-123");
        var result = await Channel("slack").SendAsync(new ChannelDefinition("slack", hook, ""), ChannelTestKit.Message(), default);

        Assert.True(result.Delivered, result.Error);
        var body = Assert.Single(_receiver.ReceivedAt(hook)).Body;
        Assert.StartsWith("That was a phish", body.GetProperty("text").GetString(), StringComparison.Ordinal);
        var blocks = body.GetProperty("blocks");
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Equal("That was a phish", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("mrkdwn", blocks[1].GetProperty("text").GetProperty("type").GetString());
        Assert.Contains("jdoe@example.com", blocks[2].GetProperty("elements")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_receives_an_adaptive_card()
    {
        var hook = _receiver.NewHook("unused-secret-123");
        var result = await Channel("teams").SendAsync(new ChannelDefinition("teams", hook, ""), ChannelTestKit.Message(), default);

        Assert.True(result.Delivered, result.Error);
        var attachment = Assert.Single(_receiver.ReceivedAt(hook)).Body.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("That was a phish", card.GetProperty("body")[0].GetProperty("text").GetString());
        Assert.Equal("phishing", card.GetProperty("body")[2].GetProperty("facts")[1].GetProperty("value").GetString());
    }

    private const string Hostile = "<!channel> <https://evil.example|Reset password>";

    [Fact]
    public async Task Slack_gets_the_events_values_escaped_and_the_tenants_formatting_kept()
    {
        var hook = _receiver.NewHook("unused-secret-123");
        var message = ChannelTestKit.Templated(
            new CoachingTip("Careful with {{file.name}}", "*Do not* open {{file.name}}. <https://intranet.acme.example|Report it>"),
            $$$"""{"file":{"name":"{{{Hostile}}}"}}""",
            userKey: "<@U123>");

        var result = await Channel("slack").SendAsync(new ChannelDefinition("slack", hook, ""), message, default);

        Assert.True(result.Delivered, result.Error);
        var body = Assert.Single(_receiver.ReceivedAt(hook)).Body;
        const string escaped = "&lt;!channel&gt; &lt;https://evil.example|Reset password&gt;";
        Assert.Equal($"*Do not* open {escaped}. <https://intranet.acme.example|Report it>", body.GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal($"Careful with {escaped}: *Do not* open {escaped}. <https://intranet.acme.example|Report it>", body.GetProperty("text").GetString());
        // A header is plain_text: Slack shows it as written, so it is not escaped.
        Assert.Equal($"Careful with {Hostile}", body.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString());
        Assert.StartsWith("For &lt;@U123&gt; ·", body.GetProperty("blocks")[2].GetProperty("elements")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teams_gets_the_events_values_escaped_and_the_tenants_formatting_kept()
    {
        var hook = _receiver.NewHook("unused-secret-123");
        var message = ChannelTestKit.Templated(
            new CoachingTip("Careful with {{file.name}}", "**Do not** open {{file.name}}. [Report it](https://intranet.acme.example)"),
            $$$"""{"file":{"name":"{{{Hostile}}} [Reset](https://evil.example)"}}""",
            userKey: "[x](https://evil.example)");

        var result = await Channel("teams").SendAsync(new ChannelDefinition("teams", hook, ""), message, default);

        Assert.True(result.Delivered, result.Error);
        var card = Assert.Single(_receiver.ReceivedAt(hook)).Body.GetProperty("attachments")[0].GetProperty("content");
        const string escaped = @"\<\!channel\> \<https://evil\.example\|Reset password\> \[Reset\]\(https://evil\.example\)";
        Assert.Equal($"Careful with {escaped}", card.GetProperty("body")[0].GetProperty("text").GetString());
        Assert.Equal($"**Do not** open {escaped}. [Report it](https://intranet.acme.example)", card.GetProperty("body")[1].GetProperty("text").GetString());
        Assert.Equal(@"\[x\]\(https://evil\.example\)", card.GetProperty("body")[2].GetProperty("facts")[0].GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_webhook_gets_the_rendered_tip_as_plain_text()
    {
        var hook = _receiver.NewHook("a-secret-of-16-chars");
        var message = ChannelTestKit.Templated(new CoachingTip("t", "Open {{file.name}}"), $$$"""{"file":{"name":"{{{Hostile}}}"}}""");

        var result = await Channel("webhook").SendAsync(new ChannelDefinition("webhook", hook, "a-secret-of-16-chars"), message, default);

        Assert.True(result.Delivered, result.Error);
        Assert.Equal($"Open {Hostile}", Assert.Single(_receiver.ReceivedAt(hook)).Body.GetProperty("tip").GetProperty("body").GetString());
    }

    [Theory]
    [InlineData("webhook", 500, ChannelErrors.Transient)]
    [InlineData("webhook", 503, ChannelErrors.Transient)]
    [InlineData("webhook", 408, ChannelErrors.Transient)]
    [InlineData("slack", 400, ChannelErrors.Rejected)]
    [InlineData("teams", 404, ChannelErrors.Rejected)]
    [InlineData("webhook", 429, ChannelErrors.RateLimited)]
    [InlineData("slack", WebhookReceiver.Hang, ChannelErrors.Timeout)]
    public async Task Answers_map_to_named_channel_errors(string type, int status, string expected)
    {
        var hook = _receiver.NewHook("a-secret-of-16-chars");
        _receiver.Script(hook, status);

        // A short timeout only where the receiver hangs on purpose.
        var timeout = status == WebhookReceiver.Hang ? TimeSpan.FromMilliseconds(500) : (TimeSpan?)null;
        var result = await Channel(type, timeout).SendAsync(new ChannelDefinition(type, hook, "a-secret-of-16-chars"), ChannelTestKit.Message(), default);

        Assert.False(result.Delivered);
        Assert.Equal(expected, result.ErrorName);
        Assert.Equal(status == 429 ? TimeSpan.FromSeconds(1) : null, result.RetryAfter);
    }

    [Fact]
    public async Task A_receiver_that_is_not_listening_is_transient()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}/hooks/none";
        var result = await Channel("webhook").SendAsync(new ChannelDefinition("webhook", url, "a-secret-of-16-chars"), ChannelTestKit.Message(), default);

        Assert.Equal(ChannelErrors.Transient, result.ErrorName);
    }

    [Theory]
    [InlineData("slack", "http://hooks.slack.example/x", "channels[0].url")]
    [InlineData("teams", "not a url", "channels[0].url")]
    public void Chat_channels_need_an_https_url(string type, string url, string field) =>
        Assert.Contains(Channel(type).Validate(new ChannelDefinition(type, url, ""), "channels[0]"), e => e.Field == field);

    [Theory]
    [InlineData("slack", "https://hooks.slack.com.evil.example/services/T/B/X")]
    [InlineData("slack", "https://example.com/services/T/B/X")]
    [InlineData("teams", "https://webhook.office.com.evil.example/x")]
    [InlineData("teams", "https://hooks.slack.com/x")]
    public void Chat_channels_refuse_a_host_that_is_not_the_vendors(string type, string url) =>
        Assert.Contains(Channel(type).Validate(new ChannelDefinition(type, url, ""), "channels[0]"), e => e.Field == "channels[0].url" && e.Problem.Contains("incoming-webhook", StringComparison.Ordinal));

    [Theory]
    [InlineData("slack", "https://hooks.slack.com/services/T000/B000/XXXX")]
    [InlineData("teams", "https://acme.webhook.office.com/webhookb2/x")]
    [InlineData("teams", "https://prod-01.westus.logic.azure.com/workflows/x")]
    [InlineData("teams", "https://default0000.00.environment.api.powerplatform.com/powerautomate/x")]
    public void Chat_channels_accept_the_vendors_hosts(string type, string url) =>
        Assert.Empty(Channel(type).Validate(new ChannelDefinition(type, url, ""), "channels[0]"));

    [Fact]
    public void Chat_channels_accept_a_loopback_http_url_for_local_testing() =>
        Assert.Empty(Channel("slack").Validate(new ChannelDefinition("slack", "http://127.0.0.1:9000/x", ""), "channels[0]"));
}
