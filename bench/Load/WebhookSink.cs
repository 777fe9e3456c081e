using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SecurityCoach.Notifications;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The customers' webhook, played by the load generator on a free loopback port (Kestrel): it checks each coaching's
/// signature, finds the event's send time in the <see cref="DeliveryLedger"/> by the event id, records now − send
/// time as the end-to-end latency, and answers 200.
/// </summary>
public sealed class WebhookSink : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly DeliveryLedger _ledger;
    private readonly string _secret;
    private long _duplicates;
    private long _unexpected;
    private long _badSignatures;
    private long _lastMeasuredDelivery;
    private int _stopped;

    private WebhookSink(DeliveryLedger ledger, string secret)
    {
        _ledger = ledger;
        _secret = secret;
    }

    public string BaseUrl { get; private set; } = "";

    /// <summary>End-to-end latency of measured events, in microseconds.</summary>
    public LongConcurrentHistogram EndToEnd { get; } = LoadReport.NewHistogram();

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Unexpected => Interlocked.Read(ref _unexpected);

    public long BadSignatures => Interlocked.Read(ref _badSignatures);

    /// <summary>When the last coaching of a measured event arrived (a Stopwatch timestamp; 0 before any).</summary>
    public long LastMeasuredDelivery => Interlocked.Read(ref _lastMeasuredDelivery);

    public static async Task<WebhookSink> StartAsync(DeliveryLedger ledger, string secret)
    {
        var sink = new WebhookSink(ledger, secret);
        (sink._app, sink.BaseUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/hooks/{tenantId}", sink.HandleAsync));
        return sink;
    }

    public string HookFor(string tenantId) => $"{BaseUrl}/hooks/{tenantId}";

    /// <summary>The whole request body in an array rented from the shared pool (the caller returns it) and its length.</summary>
    internal static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max((int)(request.ContentLength ?? 0), 4096));
        var read = 0;
        int n;
        while ((n = await request.Body.ReadAsync(buffer.AsMemory(read))) > 0)
        {
            read += n;
            if (read == buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, read).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }
        }

        return (buffer, read);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var (buffer, read) = await ReadBodyAsync(context.Request);
        try
        {
            Record(buffer.AsSpan(0, read), context.Request.Headers[WebhookSignature.Header].ToString());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private void Record(ReadOnlySpan<byte> body, string signature)
    {
        var now = Stopwatch.GetTimestamp();
        if (WebhookSignature.Verify(signature, body, _secret, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance) != WebhookSignatureCheck.Valid)
        {
            Interlocked.Increment(ref _badSignatures);
            return;
        }

        switch (_ledger.Deliver(EventFactory.SequenceOf(EventId(body)), out var sentAt, out var measured))
        {
            case DeliveryKind.First when measured:
                EndToEnd.RecordValue(Math.Max(1, (now - sentAt) * 1_000_000 / Stopwatch.Frequency));
                InterlockedMax(ref _lastMeasuredDelivery, now);
                break;
            case DeliveryKind.Duplicate:
                Interlocked.Increment(ref _duplicates);
                break;
            case DeliveryKind.Unexpected:
                Interlocked.Increment(ref _unexpected);
                break;
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        for (var current = Interlocked.Read(ref location); value > current; current = Interlocked.Read(ref location))
        {
            if (Interlocked.CompareExchange(ref location, value, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>The raw bytes of the body's top-level <c>eventId</c>; empty when it has none.</summary>
    private static ReadOnlySpan<byte> EventId(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("eventId"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.String ? reader.ValueSpan : default;
            }

            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth > 0)
            {
                reader.Skip();
            }
        }

        return default;
    }

    /// <summary>Stops taking deliveries (waiting for those being handled), so the figures no longer move.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
