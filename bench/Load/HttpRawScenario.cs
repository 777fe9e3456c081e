using System.Buffers;
using System.Diagnostics;
using System.Text;
using HdrHistogram;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SecurityCoach.Notifications;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The <c>http-raw</c> scenario: the floor under <c>local</c>'s deliveries. An HttpClient posts signed JSON bodies of
/// a coaching's size to a Kestrel endpoint in this process that reads each body, checks its signature and answers
/// 200 — what one webhook delivery costs both ends on this machine with nothing of SecurityCoach around it, as
/// <c>sqs-raw</c> is the ceiling <c>aws-local</c> is compared with. Closed loop, <c>--concurrency</c> requests in flight.
/// </summary>
public sealed class HttpRawScenario(LoadOptions options, TextWriter log)
{
    private const string Secret = LocalScenario.WebhookSecret;

    private readonly LongConcurrentHistogram _latency = LoadReport.NewHistogram();
    private long _measureStart;
    private long _end;
    private long _sent;
    private long _measured;
    private long _failed;
    private long _badSignatures;
    private Task<ProcessSnapshot>? _atMeasureStart;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var (app, baseUrl) = await LoopbackServer.StartAsync(a => a.MapPost("/hook", ReceiveAsync));
        await using var server = app;
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = options.ClosedLoopConcurrency });
        var url = new Uri(baseUrl + "/hook");
        var body = Body(options.BodyBytes);
        var signature = WebhookSignature.Sign(body, Secret, DateTimeOffset.UtcNow);
        log.WriteLine($"load: http-raw, {options.ClosedLoopConcurrency} requests in flight, bodies of {body.Length} bytes; " +
            $"warm-up {options.Warmup.TotalSeconds:0.#} s, measuring {options.Duration.TotalSeconds:0.#} s");

        var start = Stopwatch.GetTimestamp();
        _measureStart = start + DeliveryLedger.Ticks(options.Warmup);
        _end = _measureStart + DeliveryLedger.Ticks(options.Duration);
        _atMeasureStart = ProcessSnapshot.TakeAfterAsync(options.Warmup, () => null, cancellationToken);
        await Task.WhenAll(Enumerable.Range(0, options.ClosedLoopConcurrency).Select(_ => SendLoopAsync(http, url, body, signature, cancellationToken)));
        var atEnd = ProcessSnapshot.Take();

        // Up to the window's end, or to when the last request came back if --max-events stopped the loops sooner.
        var seconds = DeliveryLedger.MillisecondsSince(_measureStart, Math.Max(_measureStart, Math.Min(_end, Stopwatch.GetTimestamp()))) / 1000;
        var measured = Interlocked.Read(ref _measured);
        var perSecond = seconds > 0 ? measured / seconds : 0;
        var detail = new ErrorDetail(Interlocked.Read(ref _failed), Interlocked.Read(ref _failed), 0, 0, 0, 0, Interlocked.Read(ref _badSignatures),
            new SortedDictionary<string, long>(StringComparer.Ordinal));
        var latency = LatencySummary.From(_latency);
        return new LoadReport(
            "http-raw",
            DateTimeOffset.UtcNow,
            LoadReport.GitCommit(),
            MachineInfo.Current(),
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["concurrency"] = options.ClosedLoopConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["body_bytes"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["warmup_s"] = options.Warmup.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["duration_s"] = options.Duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            perSecond,
            perSecond,
            latency,
            latency,
            detail.Total,
            detail,
            new LoadCounts(Interlocked.Read(ref _sent), Interlocked.Read(ref _sent), Interlocked.Read(ref _sent) - Interlocked.Read(ref _failed),
                Interlocked.Read(ref _sent) - Interlocked.Read(ref _failed), measured, Math.Round(seconds, 3), 0),
            ProcessCost.Between(ProcessSnapshot.TakenOr(_atMeasureStart, atEnd), atEnd, measured, seconds),
            null);
    }

    private async Task SendLoopAsync(HttpClient http, Uri url, byte[] body, string signature, CancellationToken cancellationToken)
    {
        while (Stopwatch.GetTimestamp() < _end)
        {
            if (Interlocked.Increment(ref _sent) > (options.MaxEvents ?? long.MaxValue))
            {
                Interlocked.Decrement(ref _sent);
                return;
            }

            var sentAt = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, signature);
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _failed);
                    continue;
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _failed);
                continue;
            }

            if (sentAt >= _measureStart && sentAt < _end)
            {
                Interlocked.Increment(ref _measured);
                _latency.RecordValue(Math.Max(1, (Stopwatch.GetTimestamp() - sentAt) * 1_000_000 / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Reads the body and checks its signature, as the local scenario's webhook does; 401 when it does not match.</summary>
    private async Task ReceiveAsync(HttpContext context)
    {
        var (buffer, read) = await WebhookSink.ReadBodyAsync(context.Request);
        try
        {
            var valid = WebhookSignature.Verify(context.Request.Headers[WebhookSignature.Header], buffer.AsSpan(0, read), Secret, DateTimeOffset.UtcNow,
                WebhookSignature.DefaultTolerance) == WebhookSignatureCheck.Valid;
            if (!valid)
            {
                Interlocked.Increment(ref _badSignatures);
            }

            context.Response.StatusCode = valid ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A JSON object of exactly <paramref name="bytes"/> bytes (at least a minimal one).</summary>
    private static byte[] Body(int bytes)
    {
        const string head = """{"coachingId":"0123456789abcdef0123456789abcdef","tip":{"title":"Careful","body":""";
        const string tail = "\"}}";
        return Encoding.UTF8.GetBytes(head + new string('x', Math.Max(0, bytes - head.Length - tail.Length)) + tail);
    }


}
