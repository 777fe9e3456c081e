using MailKit.Security;
using Microsoft.Extensions.Options;
using SecurityCoach.Notifications;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Notifications;

/// <summary>The e-mail channel against a real SMTP server on loopback, read back through that server.</summary>
public sealed class EmailChannelTests : IAsyncLifetime
{
    private SmtpTestServer _smtp = null!;

    public Task InitializeAsync()
    {
        _smtp = SmtpTestServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private EmailChannel Channel(int? port = null, string? defaultFrom = "Security <security@securitycoach.example>", string[]? allowedFromDomains = null) => new(
        Options.Create(new EmailOptions
        {
            Host = "127.0.0.1", Port = port ?? _smtp.Port, Security = SecureSocketOptions.None, DefaultFrom = defaultFrom, AllowedFromDomains = allowedFromDomains,
        }),
        ChannelTestKit.Coaching());

    [Fact]
    public async Task Deliveries_one_after_another_use_one_connection_and_a_burst_no_more_than_the_pool_holds()
    {
        using var channel = new EmailChannel(
            Options.Create(new EmailOptions { Host = "127.0.0.1", Port = _smtp.Port, Security = SecureSocketOptions.None, DefaultFrom = "security@securitycoach.example", MaxConnections = 2 }),
            ChannelTestKit.Coaching());

        for (var i = 0; i < 5; i++)
        {
            Assert.True((await channel.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default)).Delivered);
        }

        Assert.Equal(1, _smtp.Sessions);
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => channel.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default)));
        Assert.All(burst, r => Assert.True(r.Delivered, r.Error));
        Assert.Equal(13, _smtp.Received.Count);
        Assert.InRange(_smtp.Sessions, 1, 2);
    }

    [Fact]
    public async Task A_connection_idle_past_its_timeout_is_closed_and_the_next_delivery_opens_a_new_one()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var channel = new EmailChannel(
            Options.Create(new EmailOptions { Host = "127.0.0.1", Port = _smtp.Port, Security = SecureSocketOptions.None, DefaultFrom = "security@securitycoach.example" }),
            ChannelTestKit.Coaching(), clock);

        Assert.True((await channel.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default)).Delivered);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True((await channel.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default)).Delivered);

        Assert.Equal(2, _smtp.Sessions);
    }

    [Fact]
    public async Task One_tenant_holds_at_most_its_share_of_the_connections()
    {
        using var channel = new EmailChannel(
            Options.Create(new EmailOptions
            {
                Host = "127.0.0.1", Port = _smtp.Port, Security = SecureSocketOptions.None, DefaultFrom = "security@securitycoach.example",
                MaxConnections = 4, MaxConnectionsPerTenant = 1,
            }),
            ChannelTestKit.Coaching());

        var burst = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => channel.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default)));

        Assert.All(burst, r => Assert.True(r.Delivered, r.Error));
        // One tenant's six mails went one at a time over one connection.
        Assert.Equal(1, _smtp.Sessions);
    }

    [Fact]
    public async Task The_tip_arrives_as_text_and_html_from_the_tenants_sender()
    {
        var channel = new ChannelDefinition("email", "", "", From: "Acme Security <security@acme.example>");

        var result = await Channel().SendAsync(channel, ChannelTestKit.Message(), default);

        Assert.True(result.Delivered, result.Error);
        var mail = Assert.Single(_smtp.Received);
        Assert.Equal("That was a phish", mail.Subject);
        Assert.Equal("security@acme.example", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal("jdoe@example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("c0ffee@securitycoach", mail.MessageId);
        Assert.Equal("c0ffee", mail.Headers["X-SecurityCoach-Coaching-Id"]);
        Assert.Contains("Check the address first.", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<p>Check the address first.</p>", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_html_part_encodes_the_events_values()
    {
        var message = ChannelTestKit.Templated(new CoachingTip("t", "You opened {{file.name}}"), """{"file":{"name":"<a href='https://evil.example'>Reset</a>"}}""");

        var result = await Channel().SendAsync(new ChannelDefinition("email", "", ""), message, default);

        Assert.True(result.Delivered, result.Error);
        var mail = Assert.Single(_smtp.Received);
        Assert.Contains("You opened &lt;a href=&#39;https://evil.example&#39;&gt;Reset&lt;/a&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("You opened <a href='https://evil.example'>Reset</a>", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_channel_sender_the_configured_default_is_used()
    {
        var result = await Channel().SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default);

        Assert.True(result.Delivered, result.Error);
        Assert.Equal("security@securitycoach.example", Assert.Single(Assert.Single(_smtp.Received).From.Mailboxes).Address);
    }

    [Fact]
    public async Task A_user_named_without_email_is_reached_at_the_events_address()
    {
        var message = ChannelTestKit.Message(userKey: "corp\\jdoe", eventJson: """{"actor":{"user":{"name":"corp\\jdoe","email_addr":"john.doe@example.com"}}}""");

        var result = await Channel().SendAsync(new ChannelDefinition("email", "", ""), message, default);

        Assert.True(result.Delivered, result.Error);
        Assert.Equal("john.doe@example.com", Assert.Single(Assert.Single(_smtp.Received).To.Mailboxes).Address);
    }

    [Fact]
    public async Task A_to_template_picks_the_address_from_the_event()
    {
        var message = ChannelTestKit.Message(eventJson: """{"unmapped":{"manager":"boss@example.com"}}""");

        var result = await Channel().SendAsync(new ChannelDefinition("email", "", "", To: "{{unmapped.manager}}"), message, default);

        Assert.True(result.Delivered, result.Error);
        Assert.Equal("boss@example.com", Assert.Single(Assert.Single(_smtp.Received).To.Mailboxes).Address);
    }

    [Fact]
    public async Task A_user_with_no_address_at_all_is_rejected_without_calling_the_server()
    {
        var result = await Channel().SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(userKey: "jdoe", eventJson: "{}"), default);

        Assert.Equal(ChannelErrors.Rejected, result.ErrorName);
        Assert.Empty(_smtp.Received);
    }

    [Theory]
    [InlineData(451, ChannelErrors.Transient)]
    [InlineData(452, ChannelErrors.Transient)]
    [InlineData(550, ChannelErrors.Rejected)]
    [InlineData(554, ChannelErrors.Rejected)]
    public async Task Smtp_replies_map_to_named_errors(int reply, string expected)
    {
        _smtp.Script(reply);

        var result = await Channel().SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default);

        Assert.Equal(expected, result.ErrorName);
        Assert.Contains(reply.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_listening_is_transient()
    {
        var result = await Channel(port: FreePort.Next()).SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default);

        Assert.Equal(ChannelErrors.Transient, result.ErrorName);
    }

    [Fact]
    public async Task A_server_without_starttls_gets_nothing_when_tls_is_required_and_the_error_is_final()
    {
        // The test server offers no STARTTLS, as a relay behind a man in the middle who strips it from EHLO.
        var required = new EmailChannel(
            Options.Create(new EmailOptions { Host = "127.0.0.1", Port = _smtp.Port, Security = SecureSocketOptions.StartTls, DefaultFrom = "security@securitycoach.example" }),
            ChannelTestKit.Coaching());

        var result = await required.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default);

        Assert.Equal(ChannelErrors.Forbidden, result.ErrorName);
        Assert.Contains("STARTTLS", result.Error, StringComparison.Ordinal);
        Assert.Empty(_smtp.Received);
    }

    [Fact]
    public void With_allowed_sender_domains_a_sender_outside_them_is_refused_by_name()
    {
        var channel = Channel(allowedFromDomains: ["acme.example", "securitycoach.example"]);

        var error = Assert.Single(channel.Validate(new ChannelDefinition("email", "", "", From: "CEO <ceo@bank.example>"), "channels[1]"));
        Assert.Equal("channels[1].from", error.Field);
        Assert.Contains("acme.example", error.Problem, StringComparison.Ordinal);
        Assert.NotEmpty(channel.Validate(new ChannelDefinition("email", "", "", From: "x@notacme.example"), "channels[0]"));
        Assert.Empty(channel.Validate(new ChannelDefinition("email", "", "", From: "Acme <security@ACME.example>"), "channels[0]"));
        Assert.Empty(channel.Validate(new ChannelDefinition("email", "", "", From: "security@mail.acme.example"), "channels[0]"));
        Assert.Empty(channel.Validate(new ChannelDefinition("email", "", ""), "channels[0]"));
    }

    [Fact]
    public async Task A_stored_sender_outside_the_allowed_domains_is_forbidden_at_send_and_nothing_is_sent()
    {
        var result = await Channel(allowedFromDomains: ["acme.example"]).SendAsync(new ChannelDefinition("email", "", "", From: "ceo@bank.example"), ChannelTestKit.Message(), default);

        Assert.Equal(ChannelErrors.Forbidden, result.ErrorName);
        Assert.Contains("bank.example", result.Error, StringComparison.Ordinal);
        Assert.Empty(_smtp.Received);
    }

    [Fact]
    public async Task Unconfigured_security_sends_plain_to_a_loopback_relay()
    {
        var local = new EmailChannel(
            Options.Create(new EmailOptions { Host = "localhost", Port = _smtp.Port, DefaultFrom = "security@securitycoach.example" }),
            ChannelTestKit.Coaching());

        var result = await local.SendAsync(new ChannelDefinition("email", "", ""), ChannelTestKit.Message(), default);

        Assert.True(result.Delivered, result.Error);
        Assert.Single(_smtp.Received);
    }

    [Theory]
    [InlineData("smtp.example.com", 587, null, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.com", 25, null, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.com", 465, null, SecureSocketOptions.SslOnConnect)]
    [InlineData("10.0.0.25", 587, null, SecureSocketOptions.StartTls)]
    [InlineData("localhost", 587, null, SecureSocketOptions.Auto)]
    [InlineData("127.0.0.1", 1025, null, SecureSocketOptions.Auto)]
    [InlineData("::1", 1025, null, SecureSocketOptions.Auto)]
    [InlineData("smtp.example.com", 587, SecureSocketOptions.Auto, SecureSocketOptions.Auto)]
    [InlineData("smtp.example.com", 25, SecureSocketOptions.None, SecureSocketOptions.None)]
    [InlineData("localhost", 587, SecureSocketOptions.StartTls, SecureSocketOptions.StartTls)]
    public void Tls_is_required_beyond_loopback_unless_configured_otherwise(string host, int port, SecureSocketOptions? configured, SecureSocketOptions expected) =>
        Assert.Equal(expected, new EmailOptions { Host = host, Port = port, Security = configured }.EffectiveSecurity);

    [Fact]
    public async Task A_recipient_outside_the_channels_allowed_domains_is_forbidden_and_nothing_is_sent()
    {
        var channel = new ChannelDefinition("email", "", "", AllowedRecipientDomains: ["acme.example"]);
        // The vendor's user string names an outside address: the coaching must not mail it.
        var message = ChannelTestKit.Message(userKey: "victim@elsewhere.example");

        var result = await Channel().SendAsync(channel, message, default);

        Assert.False(result.Delivered);
        Assert.Equal(ChannelErrors.Forbidden, result.ErrorName);
        Assert.Contains("elsewhere.example", result.Error, StringComparison.Ordinal);
        Assert.Empty(_smtp.Received);
    }

    [Fact]
    public async Task A_recipient_in_an_allowed_domain_or_its_subdomain_is_sent_to()
    {
        var channel = new ChannelDefinition("email", "", "", AllowedRecipientDomains: ["acme.example"]);

        Assert.True((await Channel().SendAsync(channel, ChannelTestKit.Message(userKey: "jdoe@Acme.Example"), default)).Delivered);
        Assert.True((await Channel().SendAsync(channel, ChannelTestKit.Message(userKey: "jdoe@eu.acme.example"), default)).Delivered);
        Assert.Equal(2, _smtp.Received.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@acme.example")]
    [InlineData("acme example")]
    [InlineData("jdoe@acme.example")]
    public void An_allowed_recipient_domain_that_is_not_a_domain_is_refused_by_name(string domain) =>
        Assert.Contains(
            Channel().Validate(new ChannelDefinition("email", "", "", AllowedRecipientDomains: ["acme.example", domain]), "channels[0]"),
            e => e.Field == "channels[0].allowedRecipientDomains[1]");

    [Fact]
    public void Validation_names_a_missing_server_and_a_bad_sender()
    {
        var unconfigured = new EmailChannel(Options.Create(new EmailOptions()), ChannelTestKit.Coaching());
        Assert.Contains(unconfigured.Validate(new ChannelDefinition("email", "", ""), "channels[0]"), e => e.Field == "channels[0].type");
        Assert.Contains(unconfigured.Validate(new ChannelDefinition("email", "", ""), "channels[0]"), e => e.Field == "channels[0].from");
        Assert.Contains(Channel().Validate(new ChannelDefinition("email", "", "", From: "not an address"), "channels[0]"), e => e.Field == "channels[0].from");
        Assert.Empty(Channel().Validate(new ChannelDefinition("email", "", ""), "channels[0]"));
    }
}
