using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration.Overrides;
using Orleans.Serialization;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// The operator's tools for an SQS stream provider's dead-letter queues (<c>{prefix}-{n}-dlq</c>, where SQS moves a
/// message its receivers failed <see cref="SqsStreamOptions.MaxReceiveCount"/> times): look at what is there, send it
/// back to its own queue to be scored again, or drop it.
/// Invariants: a replayed message is sent to its source queue before it is deleted from the dead-letter queue, so a
/// failure in between leaves a copy in both, never in neither (the user grain drops the repeated event ids); a look
/// changes nothing (the messages it reads become visible again at once).
/// </summary>
public sealed class SqsDeadLetters
{
    /// <summary>How long messages being read or moved stay hidden from another operator's look or move of the same queue.</summary>
    private const int MoveVisibilitySeconds = 60;

    private readonly IAmazonSQS _sqs;
    private readonly SqsMessageCodec _codec;
    private readonly string _prefix;
    private readonly int _queueCount;

    private SqsDeadLetters(IAmazonSQS sqs, SqsMessageCodec codec, string prefix, int queueCount)
    {
        _sqs = sqs;
        _codec = codec;
        _prefix = prefix;
        _queueCount = queueCount;
    }

    /// <summary>The dead letters of the stream provider <paramref name="name"/>, with the silo's own clients and options.</summary>
    public static SqsDeadLetters Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<SqsStreamOptions>>().Get(name);
        var s3 = options.S3BucketName is null ? null : DynamoDBClients.S3(services, name, options.S3ServiceURL, options.Region, options.Credentials);
        var prefix = options.QueueNamePrefix ?? SqsQueues.DefaultPrefix(services.GetProviderClusterOptions(name).Value.ServiceId, name);
        return new SqsDeadLetters(SqsClients.Sqs(services, name, options).Client,
            new SqsMessageCodec(name, options, services.GetRequiredService<Serializer>(), s3), prefix, options.QueueCount);
    }

    /// <summary>Every dead-letter queue with its approximate count and up to <paramref name="sample"/> messages read (and left) from it.</summary>
    public async Task<DeadLetterQueueInfo[]> InspectAsync(int sample, CancellationToken cancellationToken)
    {
        var queues = new List<DeadLetterQueueInfo>(_queueCount);
        for (var n = 0; n < _queueCount; n++)
        {
            var (source, deadLetters) = Names(n);
            if (await UrlAsync(deadLetters, cancellationToken) is not { } url)
            {
                continue;
            }

            var attributes = await _sqs.GetQueueAttributesAsync(
                new GetQueueAttributesRequest { QueueUrl = url, AttributeNames = ["ApproximateNumberOfMessages"] }, cancellationToken);
            var count = attributes.Attributes?.TryGetValue("ApproximateNumberOfMessages", out var text) == true
                ? long.Parse(text, CultureInfo.InvariantCulture)
                : 0;
            var messages = new List<DeadLetterMessage>();
            while (messages.Count < sample)
            {
                // Hidden only while read: each is made visible again at once, so the next look or move finds it.
                var received = await ReceiveAsync(url, Math.Min(10, sample - messages.Count), MoveVisibilitySeconds, cancellationToken);
                if (received.Count > 0)
                {
                    await _sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
                    {
                        QueueUrl = url,
                        Entries = [.. received.Select((m, i) => new ChangeMessageVisibilityBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle) { VisibilityTimeout = 0 })],
                    }, cancellationToken);
                }

                var fresh = received.Where(m => messages.TrueForAll(seen => seen.MessageId != m.MessageId)).ToList();
                if (fresh.Count == 0)
                {
                    break;
                }

                foreach (var message in fresh)
                {
                    messages.Add(await DescribeAsync(deadLetters, message, cancellationToken));
                }
            }

            queues.Add(new DeadLetterQueueInfo(deadLetters, source, count, [.. messages]));
        }

        return [.. queues];
    }

    /// <summary>Sends up to <paramref name="max"/> dead letters back to their own queues (then deletes them here); how many moved.</summary>
    public Task<int> ReplayAsync(int max, CancellationToken cancellationToken) => MoveAsync(max, replay: true, cancellationToken);

    /// <summary>Deletes up to <paramref name="max"/> dead letters for good; how many went.</summary>
    public Task<int> DropAsync(int max, CancellationToken cancellationToken) => MoveAsync(max, replay: false, cancellationToken);

    private async Task<int> MoveAsync(int max, bool replay, CancellationToken cancellationToken)
    {
        var moved = 0;
        for (var n = 0; n < _queueCount && moved < max; n++)
        {
            var (source, deadLetters) = Names(n);
            if (await UrlAsync(deadLetters, cancellationToken) is not { } url)
            {
                continue;
            }

            var sourceUrl = replay
                ? await UrlAsync(source, cancellationToken) ?? throw new InvalidOperationException($"the queue '{source}' of '{deadLetters}' does not exist")
                : null;
            while (moved < max)
            {
                var messages = await ReceiveAsync(url, Math.Min(10, max - moved), MoveVisibilitySeconds, cancellationToken);
                if (messages.Count == 0)
                {
                    break;
                }

                var done = messages;
                if (sourceUrl is not null)
                {
                    var sent = await _sqs.SendMessageBatchAsync(new SendMessageBatchRequest
                    {
                        QueueUrl = sourceUrl,
                        Entries = [.. messages.Select((m, i) => new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.Body))],
                    }, cancellationToken);
                    var ok = (sent.Successful ?? []).Select(e => int.Parse(e.Id, CultureInfo.InvariantCulture)).ToHashSet();
                    // A message that was not sent stays here (visible again after the move's visibility timeout).
                    done = [.. messages.Where((_, i) => ok.Contains(i))];
                }

                if (sourceUrl is null)
                {
                    await DeleteOffloadedAsync(done, cancellationToken);
                }

                if (done.Count > 0)
                {
                    await _sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
                    {
                        QueueUrl = url,
                        Entries = [.. done.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle))],
                    }, cancellationToken);
                }

                moved += done.Count;
                if (done.Count < messages.Count)
                {
                    throw new InvalidOperationException($"{messages.Count - done.Count} messages of '{deadLetters}' could not be sent to '{source}'; {moved} were moved, the rest stay");
                }
            }
        }

        return moved;
    }

    /// <summary>A dropped message's batch may live in S3 (claim check): that object goes with it.</summary>
    private async Task DeleteOffloadedAsync(List<Message> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            try
            {
                if ((await _codec.DecodeAsync(message.Body, cancellationToken)).Offloaded is { } offloaded)
                {
                    await _codec.DeleteObjectAsync(offloaded, cancellationToken);
                }
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or Amazon.S3.AmazonS3Exception)
            {
                // An unreadable body, or an object already gone, has nothing left to delete.
            }
        }
    }

    private (string Source, string DeadLetters) Names(int n)
    {
        var source = $"{_prefix}-{n.ToString(CultureInfo.InvariantCulture)}";
        return (source, source + "-dlq");
    }

    private async Task<List<Message>> ReceiveAsync(string url, int count, int visibilitySeconds, CancellationToken cancellationToken) =>
        (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = url,
            MaxNumberOfMessages = count,
            WaitTimeSeconds = 0,
            VisibilityTimeout = visibilitySeconds,
            MessageSystemAttributeNames = ["SentTimestamp", "ApproximateReceiveCount"],
        }, cancellationToken)).Messages ?? [];

    private async Task<DeadLetterMessage> DescribeAsync(string queue, Message message, CancellationToken cancellationToken)
    {
        var attributes = message.Attributes ?? [];
        DateTimeOffset? sentAt = attributes.TryGetValue("SentTimestamp", out var sent) && long.TryParse(sent, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        int? receives = attributes.TryGetValue("ApproximateReceiveCount", out var count) && int.TryParse(count, CultureInfo.InvariantCulture, out var c) ? c : null;
        var bytes = System.Text.Encoding.UTF8.GetByteCount(message.Body);
        try
        {
            var batches = (await _codec.DecodeAsync(message.Body, cancellationToken)).Batches;
            return new DeadLetterMessage(queue, message.MessageId, sentAt, receives, bytes,
                [.. batches.Select(b => b.StreamId.GetKeyAsString()).Distinct(StringComparer.Ordinal)], batches.Sum(b => b.Events.Count), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new DeadLetterMessage(queue, message.MessageId, sentAt, receives, bytes, null, null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private Task<string?> UrlAsync(string name, CancellationToken cancellationToken) => SqsQueues.UrlAsync(_sqs, name, cancellationToken);
}
