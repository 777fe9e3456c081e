using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SecurityCoach.Benchmarks.Load;
using SecurityCoach.Notifications;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>One request that reached the receiver.</summary>
public sealed record ReceivedWebhook(
    string Path,
    DateTimeOffset At,
    bool SignatureValid,
    string? IdempotencyKey,
    int AnsweredStatus,
    JsonElement Body,
    string? Sender);

/// <summary>
/// A real HTTP server on a free loopback port that plays a customer's webhook: it checks each request's HMAC
/// signature against the secret of its path, answers with the status the test scripted (default 200), and records
/// everything. Each test uses its own path, so tests sharing one receiver never see each other's deliveries.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripts = new();
    private readonly ConcurrentDictionary<string, string> _secrets = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public const int Hang = -1;

    /// <summary>Names the silo that sent a request, where a test set it (<see cref="KilledSiloSendsNothing"/>).</summary>
    public const string SenderHeader = "X-Test-Sender";

    public string BaseUrl { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        (receiver._app, receiver.BaseUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/hooks/{name}", (Delegate)receiver.Handle));
        return receiver;
    }

    /// <summary>A fresh hook URL whose requests are checked against <paramref name="secret"/>.</summary>
    public string NewHook(string secret)
    {
        var path = "/hooks/" + Guid.NewGuid().ToString("N");
        _secrets[path] = secret;
        return BaseUrl + path;
    }

    /// <summary>From now on, requests to <paramref name="url"/> are checked against <paramref name="secret"/> (a rotated secret).</summary>
    public void SetSecret(string url, string secret) => _secrets[new Uri(url).AbsolutePath] = secret;

    /// <summary>
    /// The next requests to <paramref name="url"/> are answered with these statuses, in order; then 200. A 429 carries
    /// <c>Retry-After: 1</c>; the status <see cref="Hang"/> answers nothing for 30 s (a receiver that times out).
    /// </summary>
    public void Script(string url, params int[] statuses) =>
        _scripts[new Uri(url).AbsolutePath] = new ConcurrentQueue<int>(statuses);

    public IReadOnlyList<ReceivedWebhook> ReceivedAt(string url)
    {
        var path = new Uri(url).AbsolutePath;
        return [.. _received.Where(r => r.Path == path)];
    }

    /// <summary>Waits until <paramref name="count"/> requests reached <paramref name="url"/>; fails naming what arrived.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(string url, int count, TimeSpan timeout, string phase)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var received = ReceivedAt(url);
            if (received.Count >= count)
            {
                return received;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{phase}: expected {count} webhook requests at {url} within {timeout}, got {received.Count}.");
            }

            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    private async Task<IResult> Handle(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var path = context.Request.Path.Value!;
        // The check the README tells receivers to make, and the legacy body-only header beside it.
        var valid = _secrets.TryGetValue(path, out var secret)
            && WebhookSignature.Verify(context.Request.Headers[WebhookSignature.Header], body, secret, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance) == WebhookSignatureCheck.Valid
            && context.Request.Headers[WebhookSignature.LegacyHeader] == WebhookSignature.SignLegacy(body, secret);
        var status = _scripts.TryGetValue(path, out var script) && script.TryDequeue(out var scripted) ? scripted : 200;
        using var document = JsonDocument.Parse(body);
        _received.Enqueue(new ReceivedWebhook(path, DateTimeOffset.UtcNow, valid, context.Request.Headers[WebhookChannel.IdempotencyHeader].ToString(), status, document.RootElement.Clone(),
            context.Request.Headers.TryGetValue(SenderHeader, out var sender) ? sender.ToString() : null));
        _arrived.Release();
        if (status == Hang)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.StatusCode(200);
        }

        if (status == StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return Results.StatusCode(status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
