using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using SecurityCoach.Coaching;
using SecurityCoach.Notifications.Outbound;

namespace SecurityCoach.Notifications;

/// <summary>
/// Sends one HTTP request for a channel and maps the answer to a <see cref="ChannelResult"/>, the same way for
/// webhook, Slack and Teams: 2xx delivered; 429 rate-limited (with Retry-After); 408 and 5xx transient; a redirect is
/// not followed (it could lead anywhere) and, like any other status, rejected; no answer within the channel timeout a
/// timeout; no connection transient; a destination the <see cref="OutboundPolicy"/> refuses forbidden (nothing sent).
/// An error text names the status and the endpoint, never what the receiver wrote (its reason phrase included): the
/// coaching's history is shown to the tenant, and an answer from where it should not have gone must not leak.
/// At most <see cref="CoachingOptions.MaxConnectionsPerEndpoint"/> requests are in flight to one scheme, host and port
/// (the connections the client may open there): a request waits for its turn here, up to the channel timeout, and
/// its own channel timeout starts when it is sent. Counted from the queue, a burst of deliveries to one receiver timed
/// out in our own queue and was sent again, a duplicate whenever the receiver had already taken the first.
/// Fairness: before a turn at the endpoint a request takes one of its tenant's
/// <see cref="CoachingOptions.MaxConnectionsPerTenantEndpoint"/> turns there, so a tenant whose receiver on a shared
/// host (hooks.slack.com, a Teams region) hangs holds at most that many of the host's connections, and the other
/// tenants' deliveries there go on.
/// </summary>
public sealed class HttpDelivery(IHttpClientFactory httpClients, OutboundPolicy policy, IOptions<CoachingOptions> options, TimeProvider time)
{
    public const string HttpClientName = "channels";

    /// <summary>Per endpoint (scheme, host and port).</summary>
    private readonly ConcurrentDictionary<string, TenantShareLimiter> _turns = new(StringComparer.OrdinalIgnoreCase);

    public async Task<ChannelResult> SendAsync(string channelName, string tenantId, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var timeout = settings.ChannelTimeout;
        // Scheme, host and port, never the URL's user info: the name goes into the attempt's error, which logs and the
        // API show.
        var endpoint = request.RequestUri!.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        var turns = _turns.GetOrAdd(endpoint, static (_, s) => new TenantShareLimiter(s.Settings.MaxConnectionsPerEndpoint, s.Settings.MaxConnectionsPerTenantEndpoint, s.Time),
            (Settings: settings, Time: time));
        // Never sent when refused: retrying cannot duplicate it.
        switch (await turns.EnterAsync(tenantId, timeout, cancellationToken))
        {
            case TenantShareLimiter.Turn.TenantBusy:
                return ChannelResult.Failed(ChannelErrors.Transient,
                    $"{channelName}: this tenant's {turns.PerTenant} connections to {endpoint} stayed busy for {timeout.TotalSeconds:0.###} s");
            case TenantShareLimiter.Turn.SharedBusy:
                return ChannelResult.Failed(ChannelErrors.Transient,
                    $"{channelName}: all {settings.MaxConnectionsPerEndpoint} connections to {endpoint} stayed busy for {timeout.TotalSeconds:0.###} s");
        }

        try
        {
            return await SendNowAsync(channelName, request, timeout, cancellationToken);
        }
        finally
        {
            turns.Exit(tenantId);
        }
    }

    private async Task<ChannelResult> SendNowAsync(string channelName, HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                return ChannelResult.Ok();
            }

            var status = (int)response.StatusCode;
            var what = $"{channelName} answered {status} {ReasonPhrases.GetReasonPhrase(status)}";
            return response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => ChannelResult.Failed(ChannelErrors.RateLimited, what, RetryAfter(response)),
                HttpStatusCode.RequestTimeout => ChannelResult.Failed(ChannelErrors.Transient, what),
                _ when status >= 500 => ChannelResult.Failed(ChannelErrors.Transient, what),
                _ when status is >= 300 and < 400 => ChannelResult.Failed(ChannelErrors.Rejected, $"{what}: redirects are not followed; give the channel its final URL"),
                _ => ChannelResult.Failed(ChannelErrors.Rejected, what),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ChannelResult.Failed(ChannelErrors.Timeout, $"{channelName} did not answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e) when (e.InnerException is OutboundRequestRefusedException refused)
        {
            return ChannelResult.Failed(ChannelErrors.Forbidden, $"{channelName}: {refused.Message}");
        }
        catch (HttpRequestException e)
        {
            return ChannelResult.Failed(ChannelErrors.Transient, $"{channelName} unreachable: {e.Message}");
        }
    }

    /// <summary>Retry-After as seconds or as an HTTP date; null when absent or already past.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait > TimeSpan.Zero ? wait : null;
    }

    /// <summary>The problem with a channel URL under the outbound policy (<see cref="OutboundPolicy.ProblemWith"/>), named <c>{path}.url</c>; null when it may be stored.</summary>
    public FieldError? ValidateUrl(string? url, string path) =>
        policy.ProblemWith(url) is { } problem ? new FieldError($"{path}.url", problem) : null;

    /// <summary>
    /// As <see cref="ValidateUrl"/>, and the host must be the vendor's own (<paramref name="hosts"/>: a name, or
    /// <c>.suffix</c> for its subdomains) unless the operator's allow list names it: a chat channel posts as the
    /// tenant's bot, so it must not be turned into a general-purpose webhook.
    /// </summary>
    public FieldError? ValidateVendorUrl(string? url, string path, string vendor, params string[] hosts)
    {
        if (ValidateUrl(url, path) is { } error)
        {
            return error;
        }

        var uri = new Uri(url!);
        var host = uri.IdnHost.TrimEnd('.');
        var vendorHost = Array.Exists(hosts, h => h.StartsWith('.')
            ? host.EndsWith(h, StringComparison.OrdinalIgnoreCase)
            : host.Equals(h, StringComparison.OrdinalIgnoreCase));
        return vendorHost || policy.IsOperatorListed(uri)
            ? null
            : new FieldError($"{path}.url", $"must be a {vendor} incoming-webhook URL (host {string.Join(" or ", hosts.Select(h => h.StartsWith('.') ? "*" + h : h))})");
    }
}
