using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The <c>local</c> scenario (and <c>aws-local</c>, the same against a silo in the AwsLocal profile): tenants with one
/// campaign each that matches every event and coaches over a webhook this process serves; vendor events posted to
/// <c>/v1/ingest/{vendor}</c> for a warm-up and a measured window; then a drain until every accepted event's coaching
/// has arrived (or the drain time is up). Ingest latency: request sent → 202. End-to-end: request sent → coaching
/// received by the webhook. <paramref name="emulators"/>, when the run started them, adds their CPU to the report;
/// <paramref name="calls"/> the HTTP calls of the measured window.
/// With <c>--coaching test-mode</c> the campaign is in test mode (the coaching runs, nothing is sent) and with
/// <c>none</c> there is no campaign: nothing arrives at the webhook, so after the drain (which then waits for the
/// events to be scored, when it can count them) the run checks the busiest user of the first tenant (its view: events counted, coachings Simulated or none), and end-to-end
/// latency is not measured.
/// With <c>--coach-fraction F</c> below 1 the campaign coaches only the events <see cref="EventFactory.IsCoached(long)"/>
/// picks (by device); the others match no campaign and are only scored. Deliveries, e2e latency and missing
/// coachings then concern the coached events alone.
/// <paramref name="meters"/> (the silo in this process) counts the events the user grains scored: the run then also
/// drains until every accepted event is scored, and reports scored events per second and the backlog left (the COST
/// line); in aws-local, with the AWS requests <paramref name="calls"/> tallied and the DynamoDB capacity units, what
/// an event costs.
/// </summary>
public sealed class LocalScenario(
    LoadOptions options, Uri target, string adminKey, TextWriter log, LocalAwsEmulators? emulators = null, HttpCallCounter? calls = null,
    PipelineMeters? meters = null)
{
    internal const string WebhookSecret = "bench-webhook-secret-0123456789";

    // Matches every event the three samples normalize to, through the matchers a real campaign uses.
    private const string MatchEverything = """
        {"$or":[{"class_uid":[2004],"severity_id":[{"numeric":[">=",1]}]},{"class_uid":[4002],"url":{"url_string":[{"prefix":"http"}]}}]}
        """;

    private readonly DeliveryLedger _ledger = new(options.MaxEvents);
    private readonly bool _awsCost = options.Scenario == "aws-local" && calls is not null && meters is not null;
    private readonly LongConcurrentHistogram _ingest = LoadReport.NewHistogram();
    private readonly ConcurrentDictionary<string, long> _failureReasons = new(StringComparer.Ordinal);
    private long _requests;
    private long _accepted;
    private long _acceptedCoached;
    private long _measuredAccepted;
    private long _failedRequests;
    private long _failedEvents;
    private long _rejectedEvents;
    private long _measureStart;
    private long _sendEnd;
    private Task<WindowMark>? _atMeasureStart;
    private EventFactory? _factory;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        await using var sink = await WebhookSink.StartAsync(_ledger, WebhookSecret);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = Math.Max(options.MaxInFlight, options.ClosedLoopConcurrency),
        })
        {
            BaseAddress = target,
            Timeout = TimeSpan.FromSeconds(30),
        };

        var tenants = await CreateTenantsAsync(http, sink, cancellationToken);
        var factory = _factory = new EventFactory(options, [.. tenants.Select(t => t.Id)]);
        var mode = options.Rate is { } rate ? $"open loop at {rate:0} events/s" : $"closed loop, {options.ClosedLoopConcurrency} requests in flight";
        var coaching = options.Coaching switch
        {
            CoachingMode.TestMode => "; campaigns in test mode (nothing delivered)",
            CoachingMode.None => "; no campaigns (no coaching)",
            _ when options.CoachFraction < 1 => string.Create(CultureInfo.InvariantCulture, $"; {options.CoachFraction:0.###} of the events coached, the rest only scored"),
            _ => "",
        };
        if (meters is null)
        {
            log.WriteLine("load: the silo is not in this process, so the events it scored cannot be counted: no scored_events_per_s, backlog_events or COST line");
        }
        log.WriteLine($"load: {options.Tenants} tenants, {options.UserCount} users (zipf {options.ZipfExponent}), batches of {options.BatchSize}, {mode}; " +
            $"warm-up {options.Warmup.TotalSeconds:0.#} s, measuring {options.Duration.TotalSeconds:0.#} s{coaching}");

        var start = Stopwatch.GetTimestamp();
        _measureStart = start + DeliveryLedger.Ticks(options.Warmup);
        var end = _measureStart + DeliveryLedger.Ticks(options.Duration);
        calls?.Window(_measureStart, end);
        _atMeasureStart = MarkAfterAsync(options.Warmup, cancellationToken);
        using (var progress = new Timer(_ => Progress(sink), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)))
        {
            if (options.Rate is { } eventsPerSecond)
            {
                await OpenLoopAsync(http, tenants, factory, eventsPerSecond, end, cancellationToken);
            }
            else
            {
                await ClosedLoopAsync(http, tenants, factory, end, cancellationToken);
            }
        }

        var measuredSeconds = DeliveryLedger.MillisecondsSince(_measureStart, Math.Max(_measureStart, Volatile.Read(ref _sendEnd))) / 1000;
        var atSendEnd = Mark();
        var drainStart = Stopwatch.GetTimestamp();
        var drainEnd = drainStart + DeliveryLedger.Ticks(options.Drain);
        var failedChecks = 0;
        var expectsDeliveries = options.Coaching == CoachingMode.Webhook && options.CoachFraction > 0;
        await DrainAsync(expectsDeliveries, drainEnd, cancellationToken);
        if (!expectsDeliveries && await CheckBusiestUserAsync(http, tenants[0], drainEnd, cancellationToken) is { } problem)
        {
            failedChecks = 1;
            _failureReasons.TryAdd(problem, 1);
        }

        var final = meters?.Take();
        var drainSeconds = DeliveryLedger.MillisecondsSince(drainStart, Stopwatch.GetTimestamp()) / 1000;
        // Coachings still on their way when the drain ends count as missing, and must not change the figures being read.
        await sink.StopAsync();

        var accepted = Interlocked.Read(ref _accepted);
        var delivered = _ledger.DeliveredCount;
        var e2e = LatencySummary.From(sink.EndToEnd);
        var detail = new ErrorDetail(
            _failedRequests, _failedEvents, _rejectedEvents, expectsDeliveries ? Math.Max(0, Interlocked.Read(ref _acceptedCoached) - delivered) : 0,
            sink.Duplicates, sink.Unexpected + (expectsDeliveries ? 0 : delivered), sink.BadSignatures,
            new SortedDictionary<string, long>(_failureReasons, StringComparer.Ordinal), failedChecks);
        var atStart = _atMeasureStart is { IsCompletedSuccessfully: true } ? _atMeasureStart.Result : atSendEnd;
        var measuredAccepted = Interlocked.Read(ref _measuredAccepted);
        var cost = final is null
            ? null
            : CostFigures.Of(atStart.Pipeline!, atSendEnd.Pipeline!, final, accepted, measuredSeconds,
                (atSendEnd.Process.Cpu - atStart.Process.Cpu).TotalMilliseconds, _awsCost ? atSendEnd.Aws! - atStart.Aws! : null);
        return new LoadReport(
            options.Scenario,
            DateTimeOffset.UtcNow,
            LoadReport.GitCommit(),
            MachineInfo.Current(),
            Settings(),
            measuredSeconds > 0 ? Interlocked.Read(ref _measuredAccepted) / measuredSeconds : 0,
            DeliveredPerSecond(e2e.Count, sink.LastMeasuredDelivery),
            LatencySummary.From(_ingest),
            e2e,
            detail.Total,
            detail,
            new LoadCounts(_requests, _ledger.Reserved, accepted, delivered, Interlocked.Read(ref _measuredAccepted), Math.Round(measuredSeconds, 3), Math.Round(drainSeconds, 3)),
            ProcessCost.Between(atStart.Process, atSendEnd.Process, measuredAccepted, measuredSeconds),
            null)
        {
            HttpCalls = options.HttpCalls > 0 ? calls?.PerEvent(measuredAccepted, options.HttpCalls) : null,
            Cost = cost,
        };
    }

    /// <summary>The counters a window is measured between: this process (and the emulators), the silo's meters, its AWS requests.</summary>
    private sealed record WindowMark(ProcessSnapshot Process, PipelineSnapshot? Pipeline, AwsRequests? Aws);

    private WindowMark Mark() => new(ProcessSnapshot.Take(emulators?.CpuTimes()), meters?.Take(), _awsCost ? calls!.AwsRequests() : null);

    private async Task<WindowMark> MarkAfterAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken);
        return Mark();
    }


    /// <summary>Coachings of measured events per second, from the start of the window to the last of them.</summary>
    private double DeliveredPerSecond(long delivered, long lastDelivery)
    {
        var seconds = DeliveryLedger.MillisecondsSince(_measureStart, lastDelivery) / 1000;
        return delivered > 0 && seconds > 0 ? delivered / seconds : 0;
    }

    private async Task<(string Id, string ApiKey)[]> CreateTenantsAsync(HttpClient http, WebhookSink sink, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        meters?.CountTenants($"bench-{run}-");
        var tenants = new (string Id, string ApiKey)[options.Tenants];
        for (var i = 0; i < tenants.Length; i++)
        {
            var tenantId = $"bench-{run}-{i}";
            using var create = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants")
            {
                Content = JsonContent.Create(new { tenantId, name = $"Load test {run} #{i}" }),
            };
            create.Headers.Add("X-Api-Key", adminKey);
            using var created = await http.SendAsync(create, cancellationToken);
            await EnsureAsync(created, $"creating tenant {tenantId}", cancellationToken);
            var apiKey = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("apiKey").GetString()!;

            if (options.Coaching == CoachingMode.None)
            {
                tenants[i] = (tenantId, apiKey);
                continue;
            }

            // Every generated event is coached, thousands a second per tenant: far past a real tenant's default
            // coaching quotas (README, "Tenant quotas"), which the operator raises for these tenants.
            using var quotas = new HttpRequestMessage(HttpMethod.Put, $"/v1/tenants/{tenantId}/quotas")
            {
                Content = JsonContent.Create(new { coachingStartsPerMinute = int.MaxValue }),
            };
            quotas.Headers.Add("X-Api-Key", adminKey);
            using var raised = await http.SendAsync(quotas, cancellationToken);
            await EnsureAsync(raised, $"raising the coaching quotas of {tenantId}", cancellationToken);

            var testMode = options.Coaching == CoachingMode.TestMode ? "true" : "false";
            var campaign = $$"""
                {"name":"Every risky event","pattern":{{CampaignPattern()}},"riskWeight":10,"testMode":{{testMode}},
                 "tip":{"title":"Careful, {{"{{"}}actor.user.name{{"}}"}}","body":"We saw {{"{{"}}finding_info.title{{"}}"}} {{"{{"}}url.url_string{{"}}"}} on {{"{{"}}device.hostname{{"}}"}}."},
                 "channels":[{"type":"webhook","url":"{{sink.HookFor(tenantId)}}","secret":"{{WebhookSecret}}"}]}
                """;
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/tenants/{tenantId}/campaigns/everything")
            {
                Content = new StringContent(campaign, Encoding.UTF8, "application/json"),
            };
            put.Headers.Add("X-Api-Key", apiKey);
            using var stored = await http.SendAsync(put, cancellationToken);
            await EnsureAsync(stored, $"putting the campaign of {tenantId}", cancellationToken);
            tenants[i] = (tenantId, apiKey);
        }

        return tenants;
    }

    /// <summary>
    /// Every event, or with <c>--coach-fraction</c> below 1 the events on the coached device only. There is no campaign
    /// that scores without coaching (every match starts a coaching), so the other events match none: their user grain
    /// still counts, dedupes and matches them against the campaign set and writes its state, but adds no risk.
    /// </summary>
    private string CampaignPattern() => options.CoachFraction >= 1
        ? MatchEverything.Trim()
        : $$"""{"device":{"hostname":["{{EventFactory.CoachedHost}}"]},{{MatchEverything.Trim()[1..]}}""";

    private async Task ClosedLoopAsync(HttpClient http, (string Id, string ApiKey)[] tenants, EventFactory factory, long end, CancellationToken cancellationToken)
    {
        var workers = new Task[options.ClosedLoopConcurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            var random = new Random(options.Seed + w);
            workers[w] = Task.Run(async () =>
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (now >= end || !TryNext(factory, random, out var batch))
                    {
                        break;
                    }

                    await SendAsync(http, tenants, batch, now);
                }
            }, cancellationToken);
        }

        await Task.WhenAll(workers);
        Volatile.Write(ref _sendEnd, Math.Min(end, Stopwatch.GetTimestamp()));
    }

    /// <summary>
    /// Requests leave on a fixed schedule whatever the answers do, and latency counts from the scheduled time, so a
    /// stalled server shows as latency rather than as a slower schedule (no coordinated omission).
    /// </summary>
    private async Task OpenLoopAsync(HttpClient http, (string Id, string ApiKey)[] tenants, EventFactory factory, double eventsPerSecond, long end, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        var interval = Stopwatch.Frequency * factory.BatchSize / eventsPerSecond;
        var start = Stopwatch.GetTimestamp();
        using var slots = new SemaphoreSlim(options.MaxInFlight);
        var inFlight = new ConcurrentDictionary<Task, byte>();
        long k = 0;
        var exhausted = false;
        while (!exhausted && !cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                break;
            }

            for (var due = start + (long)(k * interval); due <= now; due = start + (long)(k * interval))
            {
                if (!TryNext(factory, random, out var batch))
                {
                    exhausted = true;
                    break;
                }

                await slots.WaitAsync(cancellationToken);
                k++;
                var send = SendAsync(http, tenants, batch, due);
                inFlight.TryAdd(send, 0);
                _ = send.ContinueWith(t =>
                {
                    slots.Release();
                    inFlight.TryRemove(t, out _);
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            var wait = DeliveryLedger.MillisecondsSince(Stopwatch.GetTimestamp(), start + (long)(k * interval));
            if (wait >= 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
            }
        }

        Volatile.Write(ref _sendEnd, Math.Min(end, Stopwatch.GetTimestamp()));
        await Task.WhenAll(inFlight.Keys);
    }

    private bool TryNext(EventFactory factory, Random random, out IngestBatch batch)
    {
        var count = _ledger.Reserve(factory.BatchSize, out var first);
        if (count == 0)
        {
            batch = null!;
            return false;
        }

        batch = factory.Next(random, first, count);
        return true;
    }

    private async Task SendAsync(HttpClient http, (string Id, string ApiKey)[] tenants, IngestBatch batch, long sentAt)
    {
        var measured = sentAt >= _measureStart;
        for (var i = 0; i < batch.Count; i++)
        {
            if (_factory!.IsCoached(batch.FirstSeq + i))
            {
                _ledger.Stamp(batch.FirstSeq + i, sentAt, measured);
            }
            else
            {
                // Only scored: a coaching for it is unexpected.
                _ledger.Fail(batch.FirstSeq + i);
            }
        }

        Interlocked.Increment(ref _requests);
        string? failure = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/ingest/{batch.Vendor}") { Content = new ByteArrayContent(batch.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("X-Api-Key", tenants[batch.Tenant].ApiKey);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (measured)
            {
                _ingest.RecordValue(Math.Max(1, (Stopwatch.GetTimestamp() - sentAt) * 1_000_000 / Stopwatch.Frequency));
            }

            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Accept(batch, body, measured);
                return;
            }

            failure = $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException e)
        {
            failure = e.HttpRequestError.ToString();
        }
        catch (TaskCanceledException)
        {
            failure = "timeout";
        }

        Interlocked.Increment(ref _failedRequests);
        Interlocked.Add(ref _failedEvents, batch.Count);
        _failureReasons.AddOrUpdate(failure, 1, (_, n) => n + 1);
        for (var i = 0; i < batch.Count; i++)
        {
            _ledger.Fail(batch.FirstSeq + i);
        }
    }

    /// <summary>Counts a 202; events it lists as rejected are not expected at the webhook.</summary>
    private void Accept(IngestBatch batch, byte[] body, bool measured)
    {
        using var answer = JsonDocument.Parse(body);
        var accepted = answer.RootElement.GetProperty("accepted").GetInt32();
        Interlocked.Add(ref _accepted, accepted);
        var coached = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            coached += _factory!.IsCoached(batch.FirstSeq + i) ? 1 : 0;
        }

        if (measured)
        {
            Interlocked.Add(ref _measuredAccepted, accepted);
        }

        foreach (var rejected in answer.RootElement.GetProperty("rejected").EnumerateArray())
        {
            Interlocked.Increment(ref _rejectedEvents);
            var seq = batch.FirstSeq + rejected.GetProperty("index").GetInt32();
            coached -= _factory!.IsCoached(seq) ? 1 : 0;
            _ledger.Fail(seq);
            _failureReasons.AddOrUpdate("rejected: " + rejected.GetProperty("error").GetString(), 1, (_, n) => n + 1);
        }

        Interlocked.Add(ref _acceptedCoached, coached);
    }

    /// <summary>
    /// Without deliveries to count, reads the view of the first tenant's busiest user (Zipf rank 1) until its listed
    /// coachings have ended, for up to the drain time: events counted, and coachings that all ended Simulated (test
    /// mode) or none at all (no campaign). Returns what is wrong, or null.
    /// </summary>
    private async Task<string?> CheckBusiestUserAsync(HttpClient http, (string Id, string ApiKey) tenant, long deadline, CancellationToken cancellationToken)
    {
        var userKey = EventFactory.UserKey(1, tenant.Id);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/tenants/{tenant.Id}/users/{Uri.EscapeDataString(userKey)}");
            request.Headers.Add("X-Api-Key", tenant.ApiKey);
            using var response = await http.SendAsync(request, cancellationToken);
            // 404 until the user's first batch is scored: under load that comes after the last request was answered.
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
            {
                return $"check: the view of {userKey} answered {(int)response.StatusCode}";
            }

            var view = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken) : default;
            var events = view.ValueKind == JsonValueKind.Object ? view.GetProperty("eventCount").GetInt64() : 0;
            var statuses = view.ValueKind == JsonValueKind.Object
                ? view.GetProperty("coachings").EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList()
                : [];
            var problem = (options.Coaching, events, statuses.Count) switch
            {
                (_, 0, _) => $"check: {userKey} counted no event",
                (CoachingMode.None, _, > 0) => $"check: {userKey} has {statuses.Count} coachings without a campaign",
                (CoachingMode.Webhook, _, > 0) => $"check: {userKey} has {statuses.Count} coachings, though --coach-fraction 0 coaches no event",
                (CoachingMode.TestMode, _, 0) => $"check: {userKey} has no coaching",
                (CoachingMode.TestMode, _, _) when statuses.Any(s => s != "Simulated") =>
                    $"check: {userKey}'s coachings are not all Simulated: {string.Join(", ", statuses.Distinct())}",
                _ => null,
            };
            if (problem is null || Stopwatch.GetTimestamp() >= deadline)
            {
                return problem;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>
    /// Until the deadline, waits for the coachings of the accepted coached events (when deliveries are expected) and,
    /// with the silo in this process, for every accepted event to be scored by its user grain.
    /// </summary>
    private async Task DrainAsync(bool deliveries, long deadline, CancellationToken cancellationToken)
    {
        while (Stopwatch.GetTimestamp() < deadline
            && ((deliveries && _ledger.DeliveredCount < Interlocked.Read(ref _acceptedCoached))
                || (meters is not null && meters.Scored < Interlocked.Read(ref _accepted))))
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    private void Progress(WebhookSink sink)
    {
        var phase = Stopwatch.GetTimestamp() < _measureStart ? "warm-up" : "measuring";
        var scored = meters is null ? "" : $"{meters.Scored} scored, ";
        log.WriteLine($"  {phase}: {Interlocked.Read(ref _requests)} requests, {Interlocked.Read(ref _accepted)} events accepted, " +
            $"{scored}{_ledger.DeliveredCount} delivered, {Interlocked.Read(ref _failedRequests)} failed requests, {sink.Duplicates + sink.Unexpected} odd deliveries");
    }

    private Dictionary<string, string> Settings() => new(StringComparer.Ordinal)
    {
        ["target"] = options.Target?.ToString() ?? "in-process silo",
        ["profile"] = options.Scenario == "aws-local" ? "AwsLocal" : "Local",
        ["queues"] = options.Scenario == "aws-local" ? Invariant(options.Queues) : "",
        ["sqs"] = options.Scenario == "aws-local" ? options.SqsUrl?.ToString() ?? emulators?.SqsServiceUrl.ToString() ?? "" : "",
        ["dynamodb"] = options.Scenario == "aws-local" ? options.DynamoDBUrl?.ToString() ?? emulators?.DynamoDBServiceUrl.ToString() ?? "" : "",
        ["tenants"] = Invariant(options.Tenants),
        ["users"] = Invariant(options.UserCount),
        ["zipf"] = Invariant(options.ZipfExponent),
        ["vendor_mix"] = string.Join(',', options.VendorMix.Select(m => $"{m.Vendor}:{Invariant(m.Weight)}")),
        ["batch_size"] = Invariant(options.BatchSize),
        ["mode"] = options.Rate is null ? "closed" : "open",
        ["rate"] = options.Rate is { } r ? Invariant(r) : "",
        ["concurrency"] = options.Rate is null ? Invariant(options.ClosedLoopConcurrency) : "",
        ["max_in_flight"] = options.Rate is null ? "" : Invariant(options.MaxInFlight),
        ["warmup_s"] = Invariant(options.Warmup.TotalSeconds),
        ["duration_s"] = Invariant(options.Duration.TotalSeconds),
        ["max_events"] = options.MaxEvents is { } m ? Invariant(m) : "",
        ["drain_s"] = Invariant(options.Drain.TotalSeconds),
        ["coaching"] = options.Coaching switch { CoachingMode.TestMode => "test-mode", CoachingMode.None => "none", _ => "webhook" },
        ["coach_fraction"] = options.Coaching == CoachingMode.Webhook ? Invariant(options.CoachFraction) : "",
        ["seed"] = Invariant(options.Seed),
        ["silo_log_level"] = options.Target is null ? options.SiloLogLevel : "",
    };

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);


    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
