using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// The physical queues of one provider: queue <c>n</c> of the hash ring is <c>{prefix}-{n}</c> with its dead-letter
/// queue <c>{prefix}-{n}-dlq</c>. With CreateIfNotExists both are created and the redrive policy (maxReceiveCount) is set;
/// otherwise they are only looked up. URLs are resolved once per queue.
/// </summary>
internal sealed partial class SqsQueues(string providerName, string prefix, SqsStreamOptions options, IAmazonSQS sqs, ILogger logger)
{
    private static readonly TimeSpan DeadLetterRetention = TimeSpan.FromDays(14);
    private readonly ConcurrentDictionary<uint, Task<SqsQueue>> _queues = new();

    public string Prefix => prefix;

    public static string DefaultPrefix(string serviceId, string providerName)
    {
        var chars = $"{serviceId}-{providerName}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray();
        var name = new string(chars);
        return name.Length > SqsStreamOptionsValidator.MaxPrefixLength ? name[..SqsStreamOptionsValidator.MaxPrefixLength] : name;
    }

    public string NameOf(QueueId queueId) => $"{prefix}-{queueId.GetNumericId().ToString(CultureInfo.InvariantCulture)}";

    public async Task<SqsQueue> GetAsync(QueueId queueId, CancellationToken cancellationToken)
    {
        var id = queueId.GetNumericId();
        var task = _queues.GetOrAdd(id, _ => ResolveAsync(NameOf(queueId), cancellationToken));
        try
        {
            return await task;
        }
        catch
        {
            // A failed lookup (emulator down, missing queue) is retried on the next call rather than remembered.
            _queues.TryRemove(new(id, task));
            throw;
        }
    }

    private async Task<SqsQueue> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        var deadLetterName = $"{name}-dlq";
        if (!options.CreateIfNotExists)
        {
            var url = await UrlAsync(name, cancellationToken)
                ?? throw new InvalidOperationException($"SQS stream provider '{providerName}': queue '{name}' does not exist. Create it (with a redrive policy to '{deadLetterName}') or set CreateIfNotExists.");
            var attributes = await AttributesAsync(url, cancellationToken);
            if (!attributes.ContainsKey("RedrivePolicy"))
            {
                LogNoRedrivePolicy(logger, providerName, name);
            }

            return new SqsQueue(name, url, await UrlAsync(deadLetterName, cancellationToken), MaxMessageBytes(attributes));
        }

        var deadLetterUrl = await CreateAsync(deadLetterName, new()
        {
            ["MessageRetentionPeriod"] = ((int)DeadLetterRetention.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);
        var deadLetterArn = (await AttributesAsync(deadLetterUrl, cancellationToken))["QueueArn"];
        var redrive = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["deadLetterTargetArn"] = deadLetterArn,
            ["maxReceiveCount"] = options.MaxReceiveCount.ToString(CultureInfo.InvariantCulture),
        });
        var queueUrl = await CreateAsync(name, new()
        {
            ["VisibilityTimeout"] = Seconds(options.VisibilityTimeout),
            ["RedrivePolicy"] = redrive,
        }, cancellationToken);
        // A queue that already existed keeps its old attributes through CreateQueue; the redrive limit is ours to set.
        await sqs.SetQueueAttributesAsync(new SetQueueAttributesRequest { QueueUrl = queueUrl, Attributes = new() { ["RedrivePolicy"] = redrive } }, cancellationToken);
        return new SqsQueue(name, queueUrl, deadLetterUrl, MaxMessageBytes(await AttributesAsync(queueUrl, cancellationToken)));
    }

    private async Task<string> CreateAsync(string name, Dictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        if (await UrlAsync(name, cancellationToken) is { } existing)
        {
            return existing;
        }

        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes }, cancellationToken)).QueueUrl;
        LogCreated(logger, providerName, name);
        return url;
    }

    private Task<string?> UrlAsync(string name, CancellationToken cancellationToken) => UrlAsync(sqs, name, cancellationToken);

    /// <summary>The queue's URL, or null when there is no such queue.</summary>
    internal static async Task<string?> UrlAsync(IAmazonSQS sqs, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = name }, cancellationToken)).QueueUrl;
        }
        catch (QueueDoesNotExistException)
        {
            return null;
        }
    }

    private async Task<Dictionary<string, string>> AttributesAsync(string url, CancellationToken cancellationToken) =>
        (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["All"] }, cancellationToken)).Attributes ?? [];

    private static int? MaxMessageBytes(Dictionary<string, string> attributes) =>
        attributes.TryGetValue("MaximumMessageSize", out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    private static string Seconds(TimeSpan value) => ((int)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS stream provider {Provider}: created queue {Queue}")]
    private static partial void LogCreated(ILogger logger, string provider, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: queue {Queue} has no redrive policy, so a message that always fails comes back forever. Give it a dead-letter queue.")]
    private static partial void LogNoRedrivePolicy(ILogger logger, string provider, string queue);
}

/// <summary>One resolved queue; <paramref name="MaxMessageBytes"/> is the queue's own limit when SQS reports it.</summary>
internal sealed record SqsQueue(string Name, string Url, string? DeadLetterUrl, int? MaxMessageBytes);
