using System.Diagnostics.Metrics;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>Metrics of the SQS stream providers; every measurement is tagged with <c>provider</c> and <c>queue</c>.</summary>
public static class SqsStreamMetrics
{
    /// <summary>Meter of every provider in this library; add it to OpenTelemetry with <c>AddMeter</c>.</summary>
    public const string MeterName = "SecurityCoach.Providers.Aws";

    /// <summary>Messages received for the last time the redrive policy allows: if this attempt fails they move to the dead-letter queue.</summary>
    public const string DeadLetterBoundName = "securitycoach.sqs.messages.dead_letter_bound";

    /// <summary>Messages whose body could not be read (left unacknowledged, so they retry and end in the dead-letter queue).</summary>
    public const string UnreadableName = "securitycoach.sqs.messages.unreadable";

    /// <summary>Batches whose delivery to a consumer failed (not acknowledged; SQS redelivers them).</summary>
    public const string DeliveryFailuresName = "securitycoach.sqs.deliveries.failed";

    /// <summary>Events sent through S3 because alone they exceed the message size limit.</summary>
    public const string OffloadedName = "securitycoach.sqs.messages.offloaded";

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> DeadLetterBound = Meter.CreateCounter<long>(DeadLetterBoundName, "{message}",
        "Messages received for the last time their queue's redrive policy allows.");

    internal static readonly Counter<long> Unreadable = Meter.CreateCounter<long>(UnreadableName, "{message}",
        "Messages whose body could not be decoded.");

    internal static readonly Counter<long> DeliveryFailures = Meter.CreateCounter<long>(DeliveryFailuresName, "{batch}",
        "Batches whose delivery to a consumer failed.");

    internal static readonly Counter<long> Offloaded = Meter.CreateCounter<long>(OffloadedName, "{message}",
        "Events sent through S3 because they exceed the message size limit.");

    internal static KeyValuePair<string, object?>[] Tags(string provider, string queue) => [new("provider", provider), new("queue", queue)];
}
