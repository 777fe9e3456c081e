using Amazon.SQS;
using Amazon.SQS.Model;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>Producer side (and receiver factory) of one SQS stream provider.</summary>
internal sealed class SqsQueueAdapter(SqsQueueAdapterFactory factory, IStreamQueueMapper mapper) : IQueueAdapter
{
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
        var bodies = await factory.Codec.EncodeAsync(streamId, items, requestContext is { Count: > 0 } ? requestContext : null, limit, timeout.Token);
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
