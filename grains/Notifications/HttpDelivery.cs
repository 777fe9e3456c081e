using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using SecurityCoach.Coaching;

namespace SecurityCoach.Notifications;

/// <summary>
/// Sends one HTTP request for a channel and maps the answer to a <see cref="ChannelResult"/>, the same way for
/// webhook, Slack and Teams: 2xx delivered; 429 rate-limited (with Retry-After); 408 and 5xx transient; any other
/// status rejected; no answer within the channel timeout a timeout; no connection transient.
/// At most <see cref="CoachingOptions.MaxConnectionsPerEndpoint"/> requests are in flight to one scheme, host and port
/// (the connections the client may open there): a request waits for its turn here, up to the channel timeout, and
/// its own channel timeout starts when it is sent. Counted from the queue, a burst of deliveries to one receiver timed
/// out in our own queue and was sent again, a duplicate whenever the receiver had already taken the first.
/// </summary>
public sealed class HttpDelivery(IHttpClientFactory httpClients, IOptions<CoachingOptions> options, TimeProvider time)
{
    public const string HttpClientName = "channels";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.OrdinalIgnoreCase);

    public async Task<ChannelResult> SendAsync(string channelName, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ChannelTimeout;
        // Scheme, host and port, never the URL's user info: the name goes into the attempt's error, which logs and the
        // API show.
        var endpoint = request.RequestUri!.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        var turns = _turns.GetOrAdd(endpoint, static (_, limit) => new SemaphoreSlim(limit, limit), options.Value.MaxConnectionsPerEndpoint);
        if (!await turns.WaitAsync(timeout, cancellationToken))
        {
            // Never sent: retrying cannot duplicate it.
            return ChannelResult.Failed(ChannelErrors.Transient,
                $"{channelName}: all {options.Value.MaxConnectionsPerEndpoint} connections to {endpoint} stayed busy for {timeout.TotalSeconds:0.###} s");
        }

        try
        {
            return await SendNowAsync(channelName, request, timeout, cancellationToken);
        }
        finally
        {
            turns.Release();
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
            var what = $"{channelName} answered {status} {response.ReasonPhrase}";
            return response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => ChannelResult.Failed(ChannelErrors.RateLimited, what, RetryAfter(response)),
                HttpStatusCode.RequestTimeout => ChannelResult.Failed(ChannelErrors.Transient, what),
                _ when status >= 500 => ChannelResult.Failed(ChannelErrors.Transient, what),
                _ => ChannelResult.Failed(ChannelErrors.Rejected, what),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ChannelResult.Failed(ChannelErrors.Timeout, $"{channelName} did not answer within {timeout.TotalSeconds:0.###} s");
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

    /// <summary>The problem with a channel URL, or null when it is an absolute http(s) URL.</summary>
    public static FieldError? ValidateUrl(string? url, string path, bool requireHttps = false)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return new FieldError($"{path}.url", "must be an absolute http or https URL");
        }

        return requireHttps && uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback
            ? new FieldError($"{path}.url", "must be an https URL")
            : null;
    }
}
