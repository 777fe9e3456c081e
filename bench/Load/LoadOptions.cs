using System.Globalization;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>The load generator's settings, from <c>--name value</c> arguments.</summary>
public sealed record LoadOptions
{
    public const string Help = """
        load --scenario local|activations|aws-local|sqs-raw|workflow|http-raw [options]
          --target URL          drive a running silo's HTTP API (needs --admin-key); default: start the silo in this process
          --admin-key KEY       the silo's admin key (with --target)
          --sqs-url URL         aws-local, sqs-raw: the SQS endpoint (fauxqs); with neither URL the run starts deploy/local's
          --dynamodb-url URL    emulators on free loopback ports and stops them afterwards. aws-local needs both (or
                                --target with --sqs-url: the running silo's own SQS)
          --queues N            aws-local, sqs-raw: event queues (default 8, the AwsLocal profile's QueueCount)
          --senders N           sqs-raw: concurrent SendMessageBatch loops (default 4)
          --receivers N         sqs-raw: concurrent ReceiveMessage/DeleteMessageBatch loops, spread over the queues
                                (default: one per queue, as the silo's pulling agents)
          --max-backlog N       sqs-raw: senders wait while this many messages are in the queues (default 1000)
          --body-bytes N        http-raw: bytes of each signed JSON body (default 1500, a coaching webhook's size)
          --tenants N           tenants to create (default 4)
          --users N             users in all, spread over the tenants; per event the user is Zipf-distributed (default 10000;
                                activations: user grains to activate, default 100000)
          --zipf S              Zipf exponent of the user choice (default 1.0; 0 = uniform)
          --vendor-mix LIST     request mix by vendor, e.g. crowdstrike:1,zscaler:1,netskope:1 (the default)
          --batch-size N        events per ingest request (default 10)
          --rate N              open loop: target events/s, latency counted from each request's scheduled time
                                (aws-local: its HTTP part; the sqs-raw ceiling is always a closed loop)
          --concurrency N       closed loop: requests in flight (default 32 when --rate is not given);
                                workflow: workflows started at once, per wave (default 1000)
          --workflows N         workflow: workflows to run in all, in waves of --concurrency (default 10000)
          --max-in-flight N     open loop: at most this many requests in flight; past it the schedule slips (default 2048)
          --warmup S            seconds of load before measuring (default 5)
          --duration S          seconds measured (default 20)
          --max-events N        stop sending after N events in all, warm-up included (default: no bound but time)
          --drain S             seconds to wait after the last request for outstanding deliveries and, with the silo in
                                this process, for every accepted event to be scored (default 15)
          --coaching C          local, aws-local: what each event leads to: webhook (a coaching delivered to the
                                generator's webhook, the default: what the targets are measured with), test-mode (a
                                coaching whose campaign is in test mode: its workflow runs, nothing is sent) or none
                                (no campaign: ingest, stream and user grain only). The last two split the cost per event
          --coach-fraction F    local, aws-local with --coaching webhook: the fraction (0..1) of events a campaign coaches;
                                the others match no campaign and are only scored (default 1). Chosen per event from the
                                seed; e2e figures and the drain cover the coached events
          --seed N              random seed (default 42)
          --silo-log-level L    log level of the in-process silo (default Warning)
          --activate-via W      activations: direct (an idle grain, default) or ingest (one event per user)
          --alloc-types N       also sample allocations by type (runtime GC events) and list the top N (default 0: off)
          --http-calls N        also count this process's HTTP calls in the measured window by operation (DynamoDB and SQS
                                calls by their X-Amz-Target) and list the top N per event (default 0: off)
          --out FILE            JSON result (default bench/results/<scenario>-<utc timestamp>.json)
        """;

    public string Scenario { get; init; } = "";

    public Uri? Target { get; init; }

    public string? AdminKey { get; init; }

    public Uri? SqsUrl { get; init; }

    public Uri? DynamoDBUrl { get; init; }

    public int Queues { get; init; } = 8;

    public int SqsSenders { get; init; } = 4;

    public int? SqsReceivers { get; init; }

    public int MaxBacklog { get; init; } = 1000;

    public int Tenants { get; init; } = 4;

    public int? Users { get; init; }

    public double ZipfExponent { get; init; } = 1.0;

    public IReadOnlyList<(string Vendor, double Weight)> VendorMix { get; init; } =
        [("crowdstrike", 1), ("zscaler", 1), ("netskope", 1)];

    public int BatchSize { get; init; } = 10;

    public double? Rate { get; init; }

    public int? Concurrency { get; init; }

    public int MaxInFlight { get; init; } = 2048;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public long? MaxEvents { get; init; }

    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(15);

    public CoachingMode Coaching { get; init; } = CoachingMode.Webhook;

    /// <summary>The fraction of events a campaign coaches (<c>--coach-fraction</c>); the rest are only scored.</summary>
    public double CoachFraction { get; init; } = 1;

    public int Seed { get; init; } = 42;

    public string SiloLogLevel { get; init; } = "Warning";

    public string ActivateVia { get; init; } = "direct";

    public string? Out { get; init; }

    public int AllocTypes { get; init; }

    public int HttpCalls { get; init; }

    public int WorkflowCount { get; init; } = 10_000;

    public int BodyBytes { get; init; } = 1_500;

    public bool ShowHelp { get; init; }

    public int UserCount => Users ?? (Scenario == "activations" ? 100_000 : 10_000);

    public int ClosedLoopConcurrency => Concurrency ?? 32;

    public int ReceiverCount => SqsReceivers ?? Queues;

    /// <summary>Parses the arguments after <c>load</c>; an error names the argument and what is wrong.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                return options with { ShowHelp = true };
            }

            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            var value = args[++i];
            options = name switch
            {
                "--scenario" => options with { Scenario = value },
                "--target" => options with { Target = Url(name, value) },
                "--admin-key" => options with { AdminKey = value },
                "--sqs-url" => options with { SqsUrl = Url(name, value) },
                "--dynamodb-url" => options with { DynamoDBUrl = Url(name, value) },
                "--queues" => options with { Queues = Positive(name, value) },
                "--senders" => options with { SqsSenders = Positive(name, value) },
                "--receivers" => options with { SqsReceivers = Positive(name, value) },
                "--max-backlog" => options with { MaxBacklog = Positive(name, value) },
                "--tenants" => options with { Tenants = Positive(name, value) },
                "--users" => options with { Users = Positive(name, value) },
                "--zipf" => options with { ZipfExponent = NonNegative(name, value) },
                "--vendor-mix" => options with { VendorMix = ParseMix(value) },
                "--batch-size" => options with { BatchSize = Positive(name, value) },
                "--rate" => options with { Rate = NonNegative(name, value) is > 0 and var rate ? rate : throw Invalid(name, value, "a positive number") },
                "--concurrency" => options with { Concurrency = Positive(name, value) },
                "--max-in-flight" => options with { MaxInFlight = Positive(name, value) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(NonNegative(name, value)) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(NonNegative(name, value) is > 0 and var d ? d : throw Invalid(name, value, "a positive number")) },
                "--max-events" => options with { MaxEvents = Positive(name, value) },
                "--drain" => options with { Drain = TimeSpan.FromSeconds(NonNegative(name, value)) },
                "--coaching" => options with
                {
                    Coaching = value switch
                    {
                        "webhook" => CoachingMode.Webhook,
                        "test-mode" => CoachingMode.TestMode,
                        "none" => CoachingMode.None,
                        _ => throw Invalid(name, value, "webhook, test-mode or none"),
                    },
                },
                "--coach-fraction" => options with { CoachFraction = NonNegative(name, value) is <= 1 and var f ? f : throw Invalid(name, value, "a number from 0 to 1") },
                "--seed" => options with { Seed = int.TryParse(value, CultureInfo.InvariantCulture, out var seed) ? seed : throw Invalid(name, value, "an integer") },
                "--silo-log-level" => options with { SiloLogLevel = value },
                "--activate-via" => options with { ActivateVia = value is "direct" or "ingest" ? value : throw Invalid(name, value, "direct or ingest") },
                "--out" => options with { Out = value },
                "--alloc-types" => options with { AllocTypes = Positive(name, value) },
                "--http-calls" => options with { HttpCalls = Positive(name, value) },
                "--workflows" => options with { WorkflowCount = Positive(name, value) },
                "--body-bytes" => options with { BodyBytes = Positive(name, value) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options.Validate();
    }

    private LoadOptions Validate()
    {
        if (ShowHelp)
        {
            return this;
        }

        if (Scenario is not ("local" or "activations" or "aws-local" or "sqs-raw" or "workflow" or "http-raw"))
        {
            throw new ArgumentException(Scenario.Length == 0
                ? "--scenario is required: local, activations, aws-local, sqs-raw, workflow or http-raw"
                : $"--scenario {Scenario}: unknown; the scenarios are local, activations, aws-local, sqs-raw, workflow and http-raw");
        }

        if (Scenario == "http-raw" && (Target is not null || Rate is not null))
        {
            throw new ArgumentException("http-raw runs its own client and server in a closed loop: --target and --rate do not apply (see --concurrency, --body-bytes)");
        }

        if ((SqsUrl is not null || DynamoDBUrl is not null) && Scenario is not ("aws-local" or "sqs-raw"))
        {
            throw new ArgumentException("--sqs-url and --dynamodb-url are for the aws-local and sqs-raw scenarios");
        }

        if (Scenario == "sqs-raw")
        {
            if (Target is not null || Rate is not null || Concurrency is not null)
            {
                throw new ArgumentException("sqs-raw talks to SQS only, in a closed loop: --target, --rate and --concurrency do not apply (see --senders, --receivers)");
            }

            if (DynamoDBUrl is not null)
            {
                throw new ArgumentException("sqs-raw uses no DynamoDB: --dynamodb-url is for aws-local");
            }
        }

        if (Scenario == "aws-local")
        {
            if (Target is not null && SqsUrl is null)
            {
                throw new ArgumentException("aws-local with --target needs --sqs-url, the running silo's SQS endpoint, for the sqs-raw ceiling");
            }

            if (Target is null && (SqsUrl is null) != (DynamoDBUrl is null))
            {
                throw new ArgumentException("aws-local needs both --sqs-url and --dynamodb-url, or neither (the run then starts the emulators)");
            }
        }

        if (Target is not null && string.IsNullOrEmpty(AdminKey))
        {
            throw new ArgumentException("--target needs --admin-key (tenants are created through the admin API)");
        }

        if (Target is not null && Scenario is ("activations" or "workflow"))
        {
            throw new ArgumentException($"--scenario {Scenario} runs grains of an in-process silo; it cannot run with --target");
        }

        if (Rate is not null && Concurrency is not null)
        {
            throw new ArgumentException("give --rate (open loop) or --concurrency (closed loop), not both");
        }

        if (Coaching != CoachingMode.Webhook && Scenario is not ("local" or "aws-local"))
        {
            throw new ArgumentException($"--coaching is for the local and aws-local scenarios, not {Scenario}");
        }

        if (CoachFraction < 1 && (Scenario is not ("local" or "aws-local") || Coaching != CoachingMode.Webhook))
        {
            throw new ArgumentException("--coach-fraction is for the local and aws-local scenarios with --coaching webhook (the coached events are the ones delivered)");
        }

        if (UserCount < Tenants)
        {
            throw new ArgumentException($"--users {UserCount} is fewer than --tenants {Tenants}: every tenant needs a user");
        }

        return this;
    }

    private static List<(string, double)> ParseMix(string value)
    {
        var mix = new List<(string, double)>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var vendor = (colon < 0 ? part : part[..colon]).ToLowerInvariant();
            var weight = colon < 0 ? 1 : NonNegative("--vendor-mix", part[(colon + 1)..]);
            if (vendor is not ("crowdstrike" or "zscaler" or "netskope"))
            {
                throw Invalid("--vendor-mix", part, "crowdstrike, zscaler or netskope with an optional :weight");
            }

            if (weight > 0)
            {
                mix.Add((vendor, weight));
            }
        }

        return mix.Count > 0 ? mix : throw Invalid("--vendor-mix", value, "at least one vendor with a positive weight");
    }

    private static Uri Url(string name, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : throw Invalid(name, value, "an absolute URL");

    private static int Positive(string name, string value) =>
        int.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw Invalid(name, value, "a positive integer");

    private static double NonNegative(string name, string value) =>
        double.TryParse(value, CultureInfo.InvariantCulture, out var n) && n >= 0 && double.IsFinite(n) ? n : throw Invalid(name, value, "a number ≥ 0");

    private static ArgumentException Invalid(string name, string value, string expected) =>
        new($"{name} {value}: expected {expected}");
}

/// <summary>What each generated event leads to in the silo (<c>--coaching</c>).</summary>
public enum CoachingMode
{
    /// <summary>A coaching delivered to the generator's webhook: the end-to-end path the targets are measured on.</summary>
    Webhook,

    /// <summary>A coaching whose campaign is in test mode: its workflow runs and records the outcome Simulated; nothing is sent.</summary>
    TestMode,

    /// <summary>No campaign: the event is ingested, streamed and scored by its user grain, and no coaching starts.</summary>
    None,
}
