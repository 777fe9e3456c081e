using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using SecurityCoach.Coaching;

namespace SecurityCoach.Notifications;

/// <summary>SMTP settings (section <c>SecurityCoach:Email</c>) shared by every tenant's e-mail channels.</summary>
public sealed class EmailOptions
{
    public const string Section = "SecurityCoach:Email";

    /// <summary>The SMTP server. E-mail channels are refused while it is not set.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>
    /// <c>StartTls</c> (required), <c>SslOnConnect</c>, <c>Auto</c> (STARTTLS when offered) or <c>None</c>. Unset: see
    /// <see cref="EffectiveSecurity"/>.
    /// </summary>
    public SecureSocketOptions? Security { get; set; }

    /// <summary>
    /// <see cref="Security"/> when set; else TLS required for any host but loopback (<c>SslOnConnect</c> on port 465,
    /// <c>StartTls</c> on others), since with <c>Auto</c> a man in the middle who removes STARTTLS from the server's
    /// answer gets the mail, and the password, in the clear; a relay on loopback (a developer's) may be plain.
    /// </summary>
    public SecureSocketOptions EffectiveSecurity => Security ?? (IsLoopback(Host) ? SecureSocketOptions.Auto
        : Port == 465 ? SecureSocketOptions.SslOnConnect
        : SecureSocketOptions.StartTls);

    /// <summary>Authenticate when set.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender when a channel names none, e.g. <c>Security Team &lt;security@example.com&gt;</c>.</summary>
    public string? DefaultFrom { get; set; }

    /// <summary>
    /// When set, the only domains (and their subdomains) a sender may have: the relay is shared, so without it any
    /// tenant could send as any address. A channel's <c>from</c> outside them is refused when stored, and at send.
    /// </summary>
    public string[]? AllowedFromDomains { get; set; }

    /// <summary>Connections to the SMTP server kept open and used again (<see cref="SmtpConnectionPool"/>); more deliveries at once wait.</summary>
    public int MaxConnections { get; set; } = 16;

    /// <summary>Of those, how many one tenant's deliveries may hold at once.</summary>
    public int MaxConnectionsPerTenant { get; set; } = 8;

    /// <summary>How long a connection may sit unused before it is closed instead of used again.</summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    // Only the literal names: a name that resolves to loopback today may not tomorrow.
    private static bool IsLoopback(string? host) =>
        host is not null && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
}

/// <summary>
/// E-mail over SMTP (MailKit): the tip as subject and as text and HTML parts, from the channel's sender (the
/// tenant's) or the configured default, to the user's address. The Message-Id is derived from the coaching id, so
/// a repeat of a delivery whose answer was lost is recognisable as the same message.
/// SMTP replies map to channel errors: 4xx transient, 5xx rejected; no connection transient; no answer in time a timeout.
/// </summary>
public sealed class EmailChannel(IOptions<EmailOptions> email, IOptions<CoachingOptions> coaching, TimeProvider? time = null) : ICoachingChannel, IDisposable
{
    private readonly SmtpConnectionPool _connections = new(email.Value, time ?? TimeProvider.System);

    public string Type => "email";

    public IEnumerable<FieldError> Validate(ChannelDefinition channel, string path)
    {
        if (string.IsNullOrEmpty(email.Value.Host))
        {
            yield return new FieldError($"{path}.type", $"e-mail needs an SMTP server: set {EmailOptions.Section}:Host");
        }

        var from = channel.From ?? email.Value.DefaultFrom;
        if (from is null)
        {
            yield return new FieldError($"{path}.from", $"is required (no {EmailOptions.Section}:DefaultFrom is configured)");
        }
        else if (!MailboxAddress.TryParse(from, out var sender))
        {
            yield return new FieldError($"{path}.from", $"'{from}' is not an e-mail address");
        }
        else if (SenderRefusal(sender) is { } refusal)
        {
            yield return new FieldError($"{path}.from", refusal);
        }

        foreach (var error in ValidateRecipientDomains(channel, path))
        {
            yield return error;
        }
    }

    public async Task<ChannelResult> SendAsync(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken)
    {
        if (Recipient(channel, message) is not { } to)
        {
            return ChannelResult.Failed(ChannelErrors.Rejected, $"no e-mail address for user '{message.UserKey}'");
        }

        var from = MailboxAddress.Parse(channel.From ?? email.Value.DefaultFrom!);
        if (PolicyRefusal(channel, from, to) is { } refusal)
        {
            return ChannelResult.Failed(ChannelErrors.Forbidden, refusal);
        }

        var settings = email.Value;
        var mime = Compose(from, to, message);
        var timeout = coaching.Value.ChannelTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var security = settings.EffectiveSecurity;
        if (!await _connections.EnterAsync(message.TenantId, timeout, cancellationToken))
        {
            // Never sent: retrying cannot duplicate it.
            return ChannelResult.Failed(ChannelErrors.Transient,
                $"all SMTP connections this tenant may use ({settings.MaxConnectionsPerTenant} of {settings.MaxConnections}) stayed busy for {timeout.TotalSeconds:0.###} s");
        }

        SmtpClient? smtp = null;
        try
        {
            smtp = await _connections.TakeAsync(async client =>
            {
                await client.ConnectAsync(settings.Host!, settings.Port, security, deadline.Token);
                if (!string.IsNullOrEmpty(settings.UserName))
                {
                    await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", deadline.Token);
                }
            }, (int)timeout.TotalMilliseconds, deadline.Token);
            await smtp.SendAsync(mime, deadline.Token);
            _connections.Return(smtp);
            smtp = null;
            return ChannelResult.Ok();
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return ChannelResult.Failed(ChannelErrors.Timeout, $"SMTP server did not answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (NotSupportedException) when (security == SecureSocketOptions.StartTls)
        {
            // MailKit's answer to a server that does not offer STARTTLS: nothing was sent, and the same server will not offer it on a retry.
            return ChannelResult.Failed(ChannelErrors.Forbidden,
                $"SMTP server {settings.Host}:{settings.Port} does not offer STARTTLS, and TLS is required ({EmailOptions.Section}:Security is StartTls, the default beyond loopback); nothing was sent");
        }
        catch (SmtpCommandException e)
        {
            var code = (int)e.StatusCode;
            return ChannelResult.Failed(code is >= 400 and < 500 ? ChannelErrors.Transient : ChannelErrors.Rejected, $"SMTP {code}: {e.Message}");
        }
        catch (AuthenticationException e)
        {
            return ChannelResult.Failed(ChannelErrors.Rejected, $"SMTP authentication failed: {e.Message}");
        }
        catch (Exception e) when (e is SmtpProtocolException or SocketException or IOException or SslHandshakeException)
        {
            return ChannelResult.Failed(ChannelErrors.Transient, $"SMTP server unreachable: {e.Message}");
        }
        finally
        {
            // A client that did not deliver is not used again: its session may be anywhere in the protocol.
            if (smtp is not null)
            {
                SmtpConnectionPool.Drop(smtp);
            }

            _connections.Exit(message.TenantId);
        }
    }

    public void Dispose() => _connections.Dispose();

    /// <summary>
    /// Why this message may not go: a sender the operator no longer allows (stored before the policy was set), or a
    /// recipient outside the channel's allowed domains: the address may come from a vendor's user string, which an
    /// attacker can shape to make the tenant's relay mail anyone.
    /// </summary>
    private string? PolicyRefusal(ChannelDefinition channel, MailboxAddress from, MailboxAddress to)
    {
        if (SenderRefusal(from) is { } sender)
        {
            return sender;
        }

        return channel.AllowedRecipientDomains is { Length: > 0 } allowed && !InDomains(to.Domain, allowed)
            ? $"recipient {to.Address} is outside the channel's allowedRecipientDomains ({string.Join(", ", allowed)}); nothing was sent"
            : null;
    }

    private string? SenderRefusal(MailboxAddress sender) =>
        email.Value.AllowedFromDomains is { Length: > 0 } allowed && !InDomains(sender.Domain, allowed)
            ? $"sender {sender.Address} is outside the domains this service may send from ({string.Join(", ", allowed)}, set by {EmailOptions.Section}:AllowedFromDomains)"
            : null;

    private static IEnumerable<FieldError> ValidateRecipientDomains(ChannelDefinition channel, string path)
    {
        var domains = channel.AllowedRecipientDomains ?? [];
        for (var i = 0; i < domains.Length; i++)
        {
            if (Uri.CheckHostName(domains[i]) != UriHostNameType.Dns)
            {
                yield return new FieldError($"{path}.allowedRecipientDomains[{i}]", $"'{domains[i]}' is not a domain name such as acme.example");
            }
        }
    }

    /// <summary>The domain itself or a subdomain of one of them, ignoring case.</summary>
    private static bool InDomains(string domain, string[] allowed) => allowed.Any(d =>
        domain.Equals(d, StringComparison.OrdinalIgnoreCase) ||
        (domain.Length > d.Length && domain[^(d.Length + 1)] == '.' && domain.EndsWith(d, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The channel's To template rendered from the event, else the user key when it is an address, else the event's actor e-mail.</summary>
    private static MailboxAddress? Recipient(ChannelDefinition channel, CoachingMessage message)
    {
        var candidates = new[]
        {
            channel.To is { } template ? TipRenderer.Render(new CoachingTip(template, "-"), message.EventJson).Title : null,
            message.UserKey,
            TipRenderer.Render(new CoachingTip("{{actor.user.email_addr}}", "-"), message.EventJson).Title,
        };
        foreach (var candidate in candidates)
        {
            if (candidate is { Length: > 0 } && candidate.Contains('@', StringComparison.Ordinal) && MailboxAddress.TryParse(candidate, out var address))
            {
                return address;
            }
        }

        return null;
    }

    internal static MimeMessage Compose(MailboxAddress from, MailboxAddress to, CoachingMessage message)
    {
        var mime = new MimeMessage { Subject = message.Tip.Title, MessageId = $"{message.CoachingId}@securitycoach" };
        mime.From.Add(from);
        mime.To.Add(to);
        mime.Headers.Add("X-SecurityCoach-Coaching-Id", message.CoachingId);
        mime.Body = new BodyBuilder { TextBody = message.Tip.Body, HtmlBody = Html(message.Tip) }.ToMessageBody();
        return mime;
    }

    private static string Html(CoachingTip tip)
    {
        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h2>");
        html.Append(WebUtility.HtmlEncode(tip.Title)).Append("</h2>");
        foreach (var paragraph in tip.Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }

        return html.Append("</body></html>").ToString();
    }
}
