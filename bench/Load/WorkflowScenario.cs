using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using Microsoft.Extensions.DependencyInjection;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The <c>workflow</c> scenario: the orchestration overhead of a 3-step coaching workflow whose steps do nothing
/// outside the grain (test mode → check rules → record), <c>--concurrency</c> of them at once (default 1,000), in
/// waves until <c>--workflows</c> have run. A workflow's overhead is what its own trace measures from
/// ExecutionStarted (in Start) to ExecutionSucceeded: the timer dispatch, three task dispatches, every transition
/// and the persisted start — everything Step Functions charges 100–900 ms for. The start call's latency, seen by the
/// caller, is reported beside it.
/// </summary>
public sealed class WorkflowScenario(LoadOptions options, InProcessSilo silo, TextWriter log)
{
    /// <summary>Three Task states with no effect outside the coaching: the shape of the seed's 3-step workflow.</summary>
    public const string Definition = """
        {
          "Comment": "bench: three no-op steps",
          "StartAt": "One",
          "States": {
            "One": { "Type": "Task", "Resource": "coach:test-mode", "ResultPath": "$.one", "Next": "Two" },
            "Two": { "Type": "Task", "Resource": "coach:check-rules", "ResultPath": "$.two", "Next": "Three" },
            "Three": { "Type": "Task", "Resource": "coach:record", "Parameters": { "status": "Simulated" }, "End": true }
          }
        }
        """;

    private const int WarmupWorkflows = 500;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var tenantId = "bench-wf-" + Guid.NewGuid().ToString("N")[..8];
        var wave = options.Concurrency ?? 1_000;
        var total = options.WorkflowCount;
        var overhead = LoadReport.NewHistogram();
        var start = LoadReport.NewHistogram();

        log.WriteLine($"workflow: warm-up, {WarmupWorkflows} workflows");
        await RunWaveAsync(grains, tenantId, "warm", 0, WarmupWorkflows, null, null, cancellationToken);

        log.WriteLine($"workflow: {total} workflows, {wave} at a time");
        var before = ProcessSnapshot.Take();
        var began = Stopwatch.GetTimestamp();
        long errors = 0;
        for (var from = 0; from < total; from += wave)
        {
            errors += await RunWaveAsync(grains, tenantId, "run", from, Math.Min(wave, total - from), overhead, start, cancellationToken);
        }

        var seconds = DeliveryLedger.MillisecondsSince(began, Stopwatch.GetTimestamp()) / 1000;
        var cost = ProcessCost.Between(before, ProcessSnapshot.Take(), total, seconds);
        var overheadSummary = LatencySummary.From(overhead);
        var startSummary = LatencySummary.From(start);
        log.WriteLine($"workflow: {total} in {seconds:0.0} s; overhead p50 {overheadSummary.P50Ms} ms p99 {overheadSummary.P99Ms} ms; start p50 {startSummary.P50Ms} ms p99 {startSummary.P99Ms} ms; {cost.CpuMsPerEvent} ms CPU per workflow");

        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["workflows"] = total,
            ["concurrency"] = wave,
            ["workflows_per_s"] = Math.Round(total / seconds),
            ["overhead_p50_ms"] = overheadSummary.P50Ms,
            ["overhead_p99_ms"] = overheadSummary.P99Ms,
            ["start_p50_ms"] = startSummary.P50Ms,
            ["start_p99_ms"] = startSummary.P99Ms,
            ["cpu_ms_per_workflow"] = cost.CpuMsPerEvent,
        };
        return new LoadReport(
            "workflow",
            DateTimeOffset.UtcNow,
            LoadReport.GitCommit(),
            MachineInfo.Current(),
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["workflows"] = total.ToString(CultureInfo.InvariantCulture),
                ["concurrency"] = wave.ToString(CultureInfo.InvariantCulture),
                ["silo_log_level"] = options.SiloLogLevel,
            },
            total / seconds, total / seconds, startSummary, overheadSummary, errors, null, null, cost, figures);
    }

    /// <summary>Starts <paramref name="count"/> workflows at once, waits until every one has ended; the number that did not succeed.</summary>
    private static async Task<long> RunWaveAsync(IGrainFactory grains, string tenantId, string prefix, int from, int count,
        LongConcurrentHistogram? overhead, LongConcurrentHistogram? start, CancellationToken cancellationToken)
    {
        var coachings = new ICoachingGrain[count];
        var starts = new Task[count];
        for (var i = 0; i < count; i++)
        {
            var id = $"{prefix}-{from + i}";
            coachings[i] = grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, id));
            starts[i] = StartOne(coachings[i], Request(tenantId, id), start);
        }

        await Task.WhenAll(starts);
        long errors = 0;
        var pending = Enumerable.Range(0, count).ToList();
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 120);
        while (pending.Count > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Delay(250, cancellationToken);
            var summaries = await Task.WhenAll(pending.Select(i => coachings[i].GetSummary()));
            var still = new List<int>();
            for (var k = 0; k < pending.Count; k++)
            {
                var summary = summaries[k];
                if (summary is null || summary.Status == CoachingStatus.Pending)
                {
                    still.Add(pending[k]);
                    continue;
                }

                if (summary.Status != CoachingStatus.Simulated)
                {
                    errors++;
                }
                else if (overhead is not null)
                {
                    // The trace only once the workflow has ended: reading it costs the silo a serialization.
                    var view = await coachings[pending[k]].GetView();
                    overhead.RecordValue(Math.Max(1, TracedMicroseconds(view!.ExecutionHistoryJson)));
                }
            }

            pending = still;
        }

        return errors + pending.Count;
    }

    private static async Task StartOne(ICoachingGrain coaching, CoachingRequest request, LongConcurrentHistogram? histogram)
    {
        var began = Stopwatch.GetTimestamp();
        await coaching.Start(request);
        histogram?.RecordValue(Math.Max(1, (long)(DeliveryLedger.MillisecondsSince(began, Stopwatch.GetTimestamp()) * 1000)));
    }

    private static CoachingRequest Request(string tenantId, string id)
    {
        var json = Encoding.UTF8.GetBytes($$$"""{"class_uid":2004,"metadata":{"uid":"{{{id}}}"},"actor":{"user":{"email_addr":"wf@example.com"} } }""");
        var evt = new SecurityEvent(tenantId, "wf@example.com", id, 1767225600000, "bench", json);
        return new CoachingRequest(tenantId, "wf@example.com", "bench", 1, new CoachingTip("t", "b"), [], evt,
            DeliveryLimit: null, TestMode: true, WorkflowName: "three-steps", WorkflowDefinition: Definition);
    }

    /// <summary>ExecutionSucceeded minus ExecutionStarted, from the trace, in microseconds.</summary>
    private static long TracedMicroseconds(string historyJson)
    {
        using var trace = JsonDocument.Parse(historyJson);
        DateTimeOffset? started = null, ended = null;
        foreach (var entry in trace.RootElement.EnumerateArray())
        {
            switch (entry.GetProperty("type").GetString())
            {
                case "ExecutionStarted":
                    started = entry.GetProperty("timestamp").GetDateTimeOffset();
                    break;
                case "ExecutionSucceeded":
                    ended = entry.GetProperty("timestamp").GetDateTimeOffset();
                    break;
            }
        }

        return started is { } s && ended is { } e ? (long)((e - s).Ticks / 10) : 0;
    }
}
