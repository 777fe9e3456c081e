using System.Collections.Concurrent;
using Amazon.SQS;
using Amazon.SQS.Model;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// Producer side (and receiver factory) of one SQS stream provider. A batch that fits one message goes through its
/// queue's <see cref="SqsPackedSender"/>, packed with the batches other publishers send to that queue at the same time;
/// a larger one is split over messages sent one after another, in order.
/// </summary>
internal sealed class SqsQueueAdapter(SqsQueueAdapterFactory factory, IStreamQueueMapper mapper) : IQueueAdapter
{
    private readonly ConcurrentDictionary<string, SqsPackedSender> _senders = new(StringComparer.Ordinal);

    public string Name => factory.Name;

    // SQS deletes what was delivered: a consumer cannot ask for events from an earlier token.
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => factory.CreateReceiver(queueId);

    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
        {
            throw new ArgumentException("SQS streams are not rewindable: a sequence token cannot be given when producing.", nameof(token));
        }

        var items = new List<object>();
        foreach (var item in events)
        {
            items.Add(item!);
        }

        if (items.Count == 0)
        {
            return;
        }

        // Bounded as a whole, so a producer fails within SendTimeout even when SQS (or S3) accepts connections and
        // never answers; the SDK's own timeouts and retries would hold the caller for minutes.
        using var timeout = new CancellationTokenSource(factory.Options.SendTimeout);
        var queueId = mapper.GetQueueForStream(streamId);
        var queue = await factory.Queues.GetAsync(queueId, timeout.Token);
        var limit = Math.Min(factory.Options.MaxMessageBytes, queue.MaxMessageBytes ?? int.MaxValue);
        var context = requestContext is { Count: > 0 } ? requestContext : null;
        var sender = _senders.GetOrAdd(queue.Url, static (_, state) => new SqsPackedSender(state.factory, state.queue, state.limit), (factory, queue, limit));
        var payload = factory.Codec.Serialize(streamId, items, context);
        if (sender.Fits(payload.Length))
        {
            await sender.SendAsync(payload, timeout.Token);
            return;
        }

        var bodies = await factory.Codec.EncodeAsync(streamId, items, context, limit, timeout.Token);
        // One at a time and in order: SendMessageBatch does not promise the order of its entries.
        foreach (var body in bodies)
        {
            if (body.Offloaded is not null)
            {
                SqsStreamMetrics.Offloaded.Add(1, SqsStreamMetrics.Tags(Name, queue.Name));
            }

            try
            {
                await factory.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queue.Url, MessageBody = body.Body }, timeout.Token);
            }
            catch (AmazonSQSException) when (body.Offloaded is not null)
            {
                await factory.Codec.DeleteObjectAsync(body.Offloaded, CancellationToken.None);
                throw;
            }
        }
    }
}
