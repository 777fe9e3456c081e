using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using HdrHistogram;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>Percentiles of one latency histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    /// <summary>From a histogram of microseconds.</summary>
    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }

        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000.0, 3));
    }

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}

/// <summary>Why the run counts errors, each kind on its own.</summary>
public sealed record ErrorDetail(
    long FailedRequests,
    long FailedEvents,
    long RejectedEvents,
    long MissingDeliveries,
    long DuplicateDeliveries,
    long UnexpectedDeliveries,
    long BadSignatures,
    IReadOnlyDictionary<string, long> FailureReasons,
    long FailedChecks = 0)
{
    /// <summary>
    /// Events not accepted, accepted events never delivered, deliveries that should not have happened, and checks of
    /// the silo's state that failed (<c>--coaching</c> other than webhook, where no delivery shows the work was done).
    /// </summary>
    public long Total => FailedEvents + RejectedEvents + MissingDeliveries + DuplicateDeliveries + UnexpectedDeliveries + BadSignatures + FailedChecks;
}

/// <summary>What a load run sent, what came back, and how long it took.</summary>
public sealed record LoadCounts(
    long Requests,
    long SentEvents,
    long AcceptedEvents,
    long DeliveredEvents,
    long MeasuredEvents,
    double MeasuredSeconds,
    double DrainSeconds);

/// <summary>The figures of one run, as printed on the RESULT line and written to the JSON file.</summary>
public sealed record LoadReport(
    string Scenario,
    DateTimeOffset Date,
    string Commit,
    MachineInfo Machine,
    IReadOnlyDictionary<string, string> Settings,
    double EventsPerS,
    double DeliveredPerS,
    LatencySummary Ingest,
    LatencySummary E2e,
    long Errors,
    ErrorDetail? ErrorDetail,
    LoadCounts? Counts,
    ProcessCost? ProcessCost,
    IReadOnlyDictionary<string, double>? Figures)
{
    /// <summary>sqs-raw: the queues, the loop's shape and what went through.</summary>
    public SqsRawDetail? SqsRaw { get; init; }

    /// <summary>aws-local: the sqs-raw ceiling measured in the same run, and the ratios.</summary>
    public CeilingComparison? Ceiling { get; init; }

    /// <summary>With <c>--http-calls</c>: this process's HTTP calls in the measured window, by operation.</summary>
    public IReadOnlyList<HttpCallFigures>? HttpCalls { get; init; }

    /// <summary>local, aws-local with the silo in this process: events scored, the backlog, and (aws-local) what an event costs.</summary>
    public CostFigures? Cost { get; init; }

    /// <summary>The COST line, when the run has the figures.</summary>
    public string? CostLine() => Cost?.Line(Scenario);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
    };

    /// <summary>Microseconds from 1 µs to 10 minutes, three significant digits.</summary>
    public static LongConcurrentHistogram NewHistogram() => new(1, 600_000_000, 3);

    /// <summary>The one line a script reads. Load scenarios have the issue's fields; others add their own figures.</summary>
    public string ResultLine()
    {
        if (Figures is not null)
        {
            return $"RESULT scenario={Scenario} " + string.Join(' ', Figures.Select(f => $"{f.Key}={Number(f.Value)}")) + $" errors={Errors}";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"RESULT scenario={Scenario} events_per_s={Math.Round(EventsPerS):0} ingest_p50_ms={Number(Ingest.P50Ms)} ingest_p99_ms={Number(Ingest.P99Ms)} e2e_p50_ms={Number(E2e.P50Ms)} e2e_p99_ms={Number(E2e.P99Ms)} errors={Errors}");
    }

    /// <summary>A few lines for a person: the latency tables, the counts, the errors by kind.</summary>
    public string Summary()
    {
        var text = new System.Text.StringBuilder();
        if (Counts is { } c)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"events: {c.SentEvents} sent in {c.Requests} requests, {c.AcceptedEvents} accepted, {c.DeliveredEvents} delivered; measured {c.MeasuredEvents} in {c.MeasuredSeconds:0.###} s, drained {c.DrainSeconds:0.###} s");
            text.AppendLine(Line("ingest (ms)", Ingest));
            text.AppendLine(Line("e2e (ms)", E2e));
        }

        if (ProcessCost is { } p)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"process: {p.CpuMsPerEvent:0.###} ms CPU and {p.AllocatedBytesPerEvent:0} B allocated per event, {p.GcPausePercent:0.#} % of the time in GC pauses, GCs {p.Gen0}/{p.Gen1}/{p.Gen2}");
            if (p.CompanionCpuMsPerEvent is { Count: > 0 } companions)
            {
                text.AppendLine("emulators: " + string.Join(", ", companions.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:0.###} ms CPU per event"))));
            }

            if (p.MachineBusyPercent is { } busy)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"machine: {busy:0.#} % of all cores busy in the window (every process)");
            }
        }

        if (Cost is { } cost)
        {
            text.AppendLine(cost.Summary());
        }

        if (HttpCalls is { Count: > 0 } calls)
        {
            text.AppendLine("HTTP calls of this process in the measured window: per event × mean ms per call, operation");
            foreach (var call in calls)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {call.PerEvent,8:0.###} × {call.MeanMs,8:0.###} ms  {call.Operation}");
            }
        }

        if (SqsRaw is { } raw)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"sqs-raw: {raw.Queues} queues, {raw.Senders} senders, {raw.Receivers} receivers; {raw.MessagesSent} messages sent, {raw.MessagesDeleted} received and deleted in {raw.Receives} receives (+{raw.EmptyReceives} empty); {raw.EventsPerMessage:0.###} events and {raw.BodyBytesMean:0} bytes per message");
        }

        if (ErrorDetail is { Total: > 0 } e)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"errors: {e.FailedEvents} events in {e.FailedRequests} failed requests, {e.RejectedEvents} rejected, {e.MissingDeliveries} missing, {e.DuplicateDeliveries} duplicate, {e.UnexpectedDeliveries} unexpected, {e.BadSignatures} bad signatures, {e.FailedChecks} failed checks");
            foreach (var (reason, count) in e.FailureReasons)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {count} × {reason}");
            }
        }

        if (Figures is not null)
        {
            text.AppendLine(string.Join(", ", Figures.Select(f => $"{f.Key} {Number(f.Value)}")));
        }

        return text.ToString().TrimEnd();
    }

    private static string Line(string name, LatencySummary l) => string.Create(CultureInfo.InvariantCulture,
        $"{name,-12} n={l.Count} p50={l.P50Ms:0.###} p99={l.P99Ms:0.###} p99.9={l.P999Ms:0.###} max={l.MaxMs:0.###} mean={l.MeanMs:0.###}");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the JSON beside the others: bench/results/&lt;scenario&gt;-&lt;utc timestamp&gt;.json unless a path is given.</summary>
    public async Task<string> WriteAsync(string? path)
    {
        path ??= Path.Combine(Repository.Root() ?? Directory.GetCurrentDirectory(), "bench", "results",
            $"{Scenario}-{Date.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, ToJson() + "\n");
        return path;
    }

    /// <summary>The short commit of the repository this runs in, or "unknown".</summary>
    public static string GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Repository.Root() ?? Directory.GetCurrentDirectory(),
            });
            if (git is null)
            {
                return "unknown";
            }

            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && commit.Length > 0 ? commit : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>
/// What this process spent in the measured window, per accepted event: CPU, allocation, GC. With the silo in
/// process that is silo and load generator together; with <c>--target</c>, the load generator alone.
/// <see cref="CompanionCpuMsPerEvent"/>: the CPU of the emulators the run started (aws-local, sqs-raw), per event;
/// <see cref="MachineBusyPercent"/>: how busy all cores were (Linux), whoever used them.
/// </summary>
public sealed record ProcessCost(double CpuMsPerEvent, double AllocatedBytesPerEvent, double GcPausePercent, int Gen0, int Gen1, int Gen2)
{
    public IReadOnlyDictionary<string, double>? CompanionCpuMsPerEvent { get; init; }

    public double? MachineBusyPercent { get; init; }

    public static ProcessCost Between(ProcessSnapshot start, ProcessSnapshot end, long events, double seconds)
    {
        var perEvent = Math.Max(1, events);
        Dictionary<string, double>? companions = null;
        if (start.Companions is not null && end.Companions is not null)
        {
            companions = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, cpu) in end.Companions)
            {
                companions[name] = Math.Round((cpu - start.Companions.GetValueOrDefault(name)).TotalMilliseconds / perEvent, 3);
            }
        }

        var machineTicks = end.MachineTotalTicks - start.MachineTotalTicks;
        return new ProcessCost(
            Math.Round((end.Cpu - start.Cpu).TotalMilliseconds / perEvent, 3),
            Math.Round((double)(end.Allocated - start.Allocated) / perEvent),
            seconds > 0 ? Math.Round(100 * (end.GcPause - start.GcPause).TotalSeconds / seconds, 1) : 0,
            end.Gen0 - start.Gen0,
            end.Gen1 - start.Gen1,
            end.Gen2 - start.Gen2)
        {
            CompanionCpuMsPerEvent = companions,
            MachineBusyPercent = machineTicks > 0 ? Math.Round(100.0 * (end.MachineBusyTicks - start.MachineBusyTicks) / machineTicks, 1) : null,
        };
    }
}

/// <summary>
/// The process's CPU, allocation and GC counters at one moment, the CPU time of companion processes (the emulators a
/// run started), and the machine's busy and total CPU ticks (Linux <c>/proc/stat</c>; 0 elsewhere).
/// </summary>
public sealed record ProcessSnapshot(
    TimeSpan Cpu, long Allocated, TimeSpan GcPause, int Gen0, int Gen1, int Gen2,
    IReadOnlyDictionary<string, TimeSpan>? Companions, long MachineBusyTicks, long MachineTotalTicks)
{
    /// <summary>A snapshot taken once <paramref name="delay"/> (the warm-up) has passed: the start of a measured window.</summary>
    public static async Task<ProcessSnapshot> TakeAfterAsync(TimeSpan delay, Func<IReadOnlyDictionary<string, TimeSpan>?> companions, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, cancellationToken);
        return Take(companions());
    }

    /// <summary>What <see cref="TakeAfterAsync"/> took, or <paramref name="fallback"/> when the run ended before the warm-up did.</summary>
    public static ProcessSnapshot TakenOr(Task<ProcessSnapshot>? taken, ProcessSnapshot fallback) =>
        taken is { IsCompletedSuccessfully: true } ? taken.Result : fallback;

    public static ProcessSnapshot Take(IReadOnlyDictionary<string, TimeSpan>? companions = null)
    {
        using var process = Process.GetCurrentProcess();
        var (busy, total) = MachineTicks();
        return new ProcessSnapshot(process.TotalProcessorTime, GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), companions, busy, total);
    }

    /// <summary>The first line of /proc/stat: user nice system idle iowait irq softirq steal …; idle and iowait are not busy.</summary>
    private static (long Busy, long Total) MachineTicks()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (0, 0);
        }

        using var reader = new StreamReader("/proc/stat");
        var fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long total = 0, idle = 0;
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            var ticks = long.Parse(fields[i], CultureInfo.InvariantCulture);
            total += ticks;
            if (i is 4 or 5)
            {
                idle += ticks;
            }
        }

        return (total - idle, total);
    }
}

/// <summary>The sqs-raw loop's shape and what went through it; a message carries <see cref="EventsPerMessage"/> events on average.</summary>
public sealed record SqsRawDetail(
    int Queues,
    int Senders,
    int Receivers,
    int MaxBacklog,
    int DistinctMessages,
    double EventsPerMessage,
    double BodyBytesMean,
    long MessagesSent,
    long MessagesDeleted,
    long Receives,
    long EmptyReceives);

/// <summary>
/// aws-local against the sqs-raw ceiling of the same run: <see cref="RatioEventsPerS"/> compares events accepted by
/// the API (in SQS) per second, <see cref="RatioDeliveredPerS"/> events coached per second, with events moved through
/// SQS per second. The issue's target is 70 %.
/// </summary>
public sealed record CeilingComparison(string ResultFile, double SqsRawEventsPerS, double RatioEventsPerS, double RatioDeliveredPerS, double Target)
{
    public const double IssueTarget = 0.70;

    public static CeilingComparison Of(LoadReport sqsRaw, string resultFile, LoadReport awsLocal) => new(
        resultFile,
        Math.Round(sqsRaw.EventsPerS),
        sqsRaw.EventsPerS > 0 ? Math.Round(awsLocal.EventsPerS / sqsRaw.EventsPerS, 3) : 0,
        sqsRaw.EventsPerS > 0 ? Math.Round(awsLocal.DeliveredPerS / sqsRaw.EventsPerS, 3) : 0,
        IssueTarget);

    /// <summary><c>RATIO aws-local/sqs-raw events_per_s=…% delivered_per_s=…% target=70%</c>.</summary>
    public string RatioLine() => string.Create(CultureInfo.InvariantCulture,
        $"RATIO aws-local/sqs-raw events_per_s={100 * RatioEventsPerS:0.#}% delivered_per_s={100 * RatioDeliveredPerS:0.#}% target={100 * Target:0}%");
}

/// <summary>The machine a run was measured on.</summary>
/// <remarks><see cref="LoadAverage"/> (Linux, 1/5/15 minutes, at the end of the run) shows whether other work shared the cores.</remarks>
public sealed record MachineInfo(string Cpu, int Cores, string Os, string Runtime, bool ServerGc, long MemoryBytes, string LoadAverage)
{
    public static MachineInfo Current() => new(
        CpuModel(),
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        System.Runtime.GCSettings.IsServerGC,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "");

    private static string CpuModel()
    {
        // Linux names the model in /proc/cpuinfo; elsewhere the architecture is what can be said cheaply.
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
