using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// Sends the stream batches published to one queue, many to a message and up to ten messages to a
/// <c>SendMessageBatch</c>. A publish waits at most <see cref="SqsStreamOptions.SendLinger"/> for others to share its
/// request (less when a full request is waiting), and publishes arriving while both send slots are busy leave together
/// with the next send: a busy queue pays one request for many publishes.
/// Invariants:
/// - A publish completes only once SQS has answered for the message holding it: successfully when SQS took that
///   message, with an exception when SQS refused it (that entry or the whole request) or the publish's own timeout passed.
/// - A message holds only batches of this queue, in the order they were published; each batch is whole in one message.
/// - A message's body is at most <see cref="_maxMessageBytes"/>, and a request's bodies together at most that too
///   (SQS limits the total payload of a batch as it limits one message).
/// </summary>
internal sealed class SqsPackedSender(SqsQueueAdapterFactory factory, SqsQueue queue, int maxMessageBytes)
{
    /// <summary>SendMessageBatch takes at most ten entries.</summary>
    private const int MaxEntries = 10;

    /// <summary>
    /// Sends one queue may have in flight. Two keep the queue busy while an answer travels back; more would only make
    /// each send smaller.
    /// </summary>
    private const int MaxSendsInFlight = 2;

    /// <summary>
    /// Bodies are filled up to 64 KiB, SQS's billing chunk: a larger body costs as much as several of this size, and
    /// smaller messages redeliver fewer batches when one of their batches fails.
    /// </summary>
    private const int TargetMessageBytes = 64 * 1024;

    private readonly int _maxMessageBytes = maxMessageBytes;
    private readonly object _lock = new();
    private readonly Queue<PendingBatch> _pending = new();
    private int _sendsInFlight;

    /// <summary>Serialized bytes waiting in <see cref="_pending"/>; changed under the lock.</summary>
    private long _pendingBytes;

    /// <summary>Whether a batch of this many serialized bytes fits in one message of this queue.</summary>
    public bool Fits(int payloadBytes) => SqsMessageCodec.EmptyPackedBodyBytes + SqsMessageCodec.PackedEntryBytes(payloadBytes) <= _maxMessageBytes;

    /// <summary>Sends one serialized batch (<see cref="Fits"/> must hold); completes when SQS has taken it.</summary>
    public Task SendAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var pending = new PendingBatch(payload, factory.Time.GetTimestamp());
        if (cancellationToken.CanBeCanceled)
        {
            pending.Cancellation = cancellationToken.Register(static state =>
                ((PendingBatch)state!).Completion.TrySetCanceled(), pending);
        }

        bool start;
        lock (_lock)
        {
            _pending.Enqueue(pending);
            _pendingBytes += SqsMessageCodec.PackedEntryBytes(payload.Length);
            start = _sendsInFlight < MaxSendsInFlight;
            if (start)
            {
                _sendsInFlight++;
            }
        }

        if (start)
        {
            // Off the caller's context (an ASP.NET request or a grain turn): the loop serves every publish that queues behind it.
            _ = Task.Run(SendLoopAsync, CancellationToken.None);
        }

        return pending.Completion.Task;
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            if (LingerLeft() is { } linger && linger > TimeSpan.Zero)
            {
                await Task.Delay(linger, factory.Time);
            }

            List<List<PendingBatch>> messages;
            lock (_lock)
            {
                messages = TakeMessages();
                if (messages.Count == 0)
                {
                    _sendsInFlight--;
                    return;
                }
            }

            await SendBatchAsync(messages);
        }
    }

    /// <summary>How much longer the oldest waiting publish may wait for company: none once a full request is waiting.</summary>
    private TimeSpan? LingerLeft()
    {
        lock (_lock)
        {
            if (!_pending.TryPeek(out var oldest) || _pendingBytes >= _maxMessageBytes)
            {
                return null;
            }

            return factory.Options.SendLinger - factory.Time.GetElapsedTime(oldest.EnqueuedAt);
        }
    }

    /// <summary>Under the lock: the next request's messages, publishes in order, skipping those already given up.</summary>
    private List<List<PendingBatch>> TakeMessages()
    {
        var messages = new List<List<PendingBatch>>();
        List<PendingBatch>? message = null;
        var messageBytes = 0;
        var requestBytes = 0;
        while (_pending.TryPeek(out var next))
        {
            if (next.Completion.Task.IsCompleted)
            {
                _pending.Dequeue();
                _pendingBytes -= SqsMessageCodec.PackedEntryBytes(next.Payload.Length);
                continue;
            }

            var size = SqsMessageCodec.PackedEntryBytes(next.Payload.Length);
            var opensMessage = message is null || messageBytes + size > Math.Min(TargetMessageBytes, _maxMessageBytes);
            var added = opensMessage ? SqsMessageCodec.EmptyPackedBodyBytes + size : size;
            if (messages.Count > 0 && ((opensMessage && messages.Count == MaxEntries) || requestBytes + added > _maxMessageBytes))
            {
                break;
            }

            if (opensMessage)
            {
                message = [];
                messages.Add(message);
                messageBytes = SqsMessageCodec.EmptyPackedBodyBytes;
            }

            _pending.Dequeue();
            _pendingBytes -= size;
            message!.Add(next);
            messageBytes += size;
            requestBytes += added;
        }

        return messages;
    }

    private async Task SendBatchAsync(List<List<PendingBatch>> messages)
    {
        var entries = new List<SendMessageBatchRequestEntry>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            entries.Add(new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), SqsMessageCodec.PackedBody(messages[i].Select(p => p.Payload))));
        }

        SendMessageBatchResponse response;
        try
        {
            using var timeout = new CancellationTokenSource(factory.Options.SendTimeout);
            response = await factory.Sqs.SendMessageBatchAsync(new SendMessageBatchRequest { QueueUrl = queue.Url, Entries = entries }, timeout.Token);
        }
        catch (Exception e)
        {
            foreach (var message in messages)
            {
                Complete(message, e);
            }

            return;
        }

        var refused = new Dictionary<int, BatchResultErrorEntry>();
        foreach (var failure in response.Failed ?? [])
        {
            refused[int.Parse(failure.Id, CultureInfo.InvariantCulture)] = failure;
        }

        for (var i = 0; i < messages.Count; i++)
        {
            Complete(messages[i], refused.TryGetValue(i, out var failure)
                ? new AmazonSQSException($"SQS refused a stream message on queue {queue.Name}: {failure.Code} {failure.Message}") { ErrorCode = failure.Code }
                : null);
        }
    }

    private static void Complete(List<PendingBatch> message, Exception? error)
    {
        foreach (var pending in message)
        {
            pending.Cancellation.Dispose();
            if (error is null)
            {
                pending.Completion.TrySetResult();
            }
            else
            {
                pending.Completion.TrySetException(error);
            }
        }
    }

    private sealed class PendingBatch(byte[] payload, long enqueuedAt)
    {
        public byte[] Payload { get; } = payload;

        /// <summary>When it was published (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long EnqueuedAt { get; } = enqueuedAt;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }
    }
}
