using System.Text.RegularExpressions;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>Options of one named SQS stream provider; silos and clients of a cluster must agree on them.</summary>
public sealed class SqsStreamOptions
{
    /// <summary>The largest SQS message body SQS accepts (1 MiB since 2025; older queues may be set lower).</summary>
    public const int SqsMaxMessageBytes = 1024 * 1024;

    /// <summary>SQS endpoint override, e.g. fauxqs (<c>http://127.0.0.1:4566</c>); configuration key <c>AWS:SQS:ServiceURL</c>.</summary>
    public string? ServiceURL { get; set; }

    /// <summary>AWS region (e.g. <c>eu-west-1</c>); unset means the SDK's own lookup. Configuration key <c>AWS:Region</c>.</summary>
    public string? Region { get; set; }

    /// <summary>Credentials for clients built by the provider; unset means the SDK's default credential chain.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>
    /// Queue names are <c>{prefix}-{n}</c> and their dead-letter queues <c>{prefix}-{n}-dlq</c>, n from 0 to
    /// <see cref="QueueCount"/> - 1. Unset means <c>{ServiceId}-{provider name}</c>. Letters, digits, '-' and '_' only.
    /// </summary>
    public string? QueueNamePrefix { get; set; }

    /// <summary>How many queues the streams are spread over (by a hash ring of stream ids). Changing it strands messages.</summary>
    public int QueueCount { get; set; } = 8;

    /// <summary>
    /// Largest message body the producer sends. The events of one <c>OnNext</c>/<c>OnNextBatch</c> call travel in one
    /// message when they fit, are split over several when not, and an event that alone does not fit goes to S3.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>How long a received message stays invisible; the receiver extends it while the message waits in the cache.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Long-poll wait of one receive (at most 20 s). Shutdown cancels a pending poll.</summary>
    public TimeSpan ReceiveWaitTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Longest a publish (<c>OnNext</c>/<c>OnNextBatch</c>) may take, SDK retries included; past it the publish fails.
    /// The SDK's own limits allow minutes against an endpoint that accepts connections and never answers, and a
    /// producer (an HTTP request that must answer 503) cannot wait that long. A send cut off may still have reached
    /// SQS, so a publish that failed can be delivered: retry it and keep consumers idempotent.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest a publish waits for others to the same queue to share its <c>SendMessageBatch</c> (it goes sooner when a
    /// full request is waiting). Longer means fewer requests per event and a later 202; zero sends each publish as soon
    /// as a send slot is free.
    /// </summary>
    public TimeSpan SendLinger { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Receives after which SQS moves a message to the queue's dead-letter queue (redrive policy).</summary>
    public int MaxReceiveCount { get; set; } = 5;

    /// <summary>
    /// How long the cache holds acknowledgements back for a stream the pulling agent is still registering (looking up
    /// its consumers), so its first batch is not deleted before delivery; it bounds the wait for a stream nobody consumes.
    /// </summary>
    public TimeSpan StreamRegistrationGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// With an acknowledgement gate (<see cref="ISqsAcknowledgementGate"/>): how often a receiver asks it to confirm the
    /// messages delivered since, and deletes those confirmed. Longer means fewer consumer writes, and messages held
    /// invisible for longer. With a gate it must be at most half the <see cref="VisibilityTimeout"/> (checked at start-up).
    /// </summary>
    public TimeSpan AcknowledgeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Bucket for events larger than <see cref="MaxMessageBytes"/>; unset means sending one fails with a clear error.</summary>
    public string? S3BucketName { get; set; }

    /// <summary>Prefix of the S3 object keys of offloaded batches.</summary>
    public string S3KeyPrefix { get; set; } = "sqs-streams/";

    /// <summary>S3 endpoint override; configuration key <c>AWS:S3:ServiceURL</c>.</summary>
    public string? S3ServiceURL { get; set; }

    /// <summary>Create the queues, their dead-letter queues (with the redrive policy) and the bucket when missing. Off: only verified.</summary>
    public bool CreateIfNotExists { get; set; }

    /// <summary>
    /// Reads <c>AWS:Region</c>, <c>AWS:S3:ServiceURL</c>, <c>AWS:S3:BucketName</c> and the <c>AWS:SQS</c> section, whose keys
    /// are this class's property names (<c>ServiceURL</c>, <c>QueueNamePrefix</c>, <c>QueueCount</c>, <c>MaxMessageBytes</c>,
    /// <c>VisibilityTimeout</c>, <c>ReceiveWaitTime</c>, <c>SendTimeout</c>, <c>SendLinger</c>, <c>AcknowledgeInterval</c>, <c>MaxReceiveCount</c>, <c>S3BucketName</c>, <c>CreateIfNotExists</c>).
    /// Keys that are absent leave the current values.
    /// </summary>
    public SqsStreamOptions ReadConfiguration(IConfiguration configuration)
    {
        var sqs = configuration.GetSection("AWS:SQS");
        ServiceURL = sqs["ServiceURL"] ?? ServiceURL;
        Region = configuration["AWS:Region"] ?? Region;
        QueueNamePrefix = sqs["QueueNamePrefix"] ?? QueueNamePrefix;
        QueueCount = Int(sqs, "QueueCount") ?? QueueCount;
        MaxMessageBytes = Int(sqs, "MaxMessageBytes") ?? MaxMessageBytes;
        VisibilityTimeout = Duration(sqs, "VisibilityTimeout") ?? VisibilityTimeout;
        ReceiveWaitTime = Duration(sqs, "ReceiveWaitTime") ?? ReceiveWaitTime;
        MaxReceiveCount = Int(sqs, "MaxReceiveCount") ?? MaxReceiveCount;
        SendTimeout = Duration(sqs, "SendTimeout") ?? SendTimeout;
        AcknowledgeInterval = Duration(sqs, "AcknowledgeInterval") ?? AcknowledgeInterval;
        SendLinger = Duration(sqs, "SendLinger") ?? SendLinger;
        S3BucketName = sqs["S3BucketName"] ?? configuration["AWS:S3:BucketName"] ?? S3BucketName;
        S3ServiceURL = configuration["AWS:S3:ServiceURL"] ?? S3ServiceURL;
        CreateIfNotExists = sqs["CreateIfNotExists"] is { } create ? bool.Parse(create) : CreateIfNotExists;
        return this;
    }

    private static int? Int(IConfiguration section, string key) =>
        section[key] is { } value ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static TimeSpan? Duration(IConfiguration section, string key) =>
        section[key] is { } value ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>Fails start-up on options that cannot work.</summary>
public sealed partial class SqsStreamOptionsValidator(SqsStreamOptions options, string name) : IConfigurationValidator
{
    // SQS names are at most 80 characters; the longest suffix added is "-{n}-dlq" with n < 1000.
    internal const int MaxPrefixLength = 80 - 8;

    public void ValidateConfiguration()
    {
        var problems = new List<string>();
        if (options.QueueNamePrefix is { } prefix && (prefix.Length is 0 or > MaxPrefixLength || !QueueName().IsMatch(prefix)))
        {
            problems.Add($"QueueNamePrefix must be 1 to {MaxPrefixLength} letters, digits, '-' or '_'");
        }

        if (options.QueueCount is < 1 or > 999)
        {
            problems.Add("QueueCount must be between 1 and 999");
        }

        if (options.MaxMessageBytes is < 1024 or > SqsStreamOptions.SqsMaxMessageBytes)
        {
            problems.Add($"MaxMessageBytes must be between 1024 and {SqsStreamOptions.SqsMaxMessageBytes} (SQS limits)");
        }

        if (options.VisibilityTimeout < TimeSpan.FromSeconds(1) || options.VisibilityTimeout > TimeSpan.FromHours(12)
            || options.VisibilityTimeout.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add("VisibilityTimeout must be whole seconds between 1 s and 12 h (SQS limits)");
        }

        if (options.ReceiveWaitTime < TimeSpan.Zero || options.ReceiveWaitTime > TimeSpan.FromSeconds(20)
            || options.ReceiveWaitTime.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add("ReceiveWaitTime must be whole seconds between 0 and 20 s (SQS long-poll limit)");
        }

        if (options.SendTimeout <= TimeSpan.Zero || options.SendTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add("SendTimeout must be more than 0 and at most 5 minutes");
        }

        if (options.SendLinger < TimeSpan.Zero || options.SendLinger > TimeSpan.FromSeconds(1))
        {
            problems.Add("SendLinger must be between 0 and 1 s");
        }

        if (options.AcknowledgeInterval < TimeSpan.FromMilliseconds(10) || options.AcknowledgeInterval > TimeSpan.FromMinutes(5))
        {
            problems.Add("AcknowledgeInterval must be between 10 ms and 5 minutes");
        }

        if (options.MaxReceiveCount is < 1 or > 1000)
        {
            problems.Add("MaxReceiveCount must be between 1 and 1000 (SQS redrive policy limits)");
        }

        if (options.S3BucketName is { Length: < 3 or > 63 })
        {
            problems.Add("S3BucketName must be 3 to 63 characters");
        }

        foreach (var (key, url) in new[] { ("ServiceURL", options.ServiceURL), ("S3ServiceURL", options.S3ServiceURL) })
        {
            if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                problems.Add($"{key} must be an absolute URL");
            }
        }

        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"SQS stream provider '{name}': {string.Join("; ", problems)}.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    internal static partial Regex QueueName();
}
