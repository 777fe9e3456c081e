using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// Reads one queue for the pulling agent. A message is deleted only when the cache hands its batch back as delivered
/// (<see cref="MessagesDeliveredAsync(IList{IBatchContainer}, CancellationToken)"/>), with the receipt handle of its
/// latest receive. Until then a heartbeat keeps it invisible, so a batch waiting behind a slow consumer is not
/// received twice; on shutdown whatever was not delivered is made visible again at once for the next owner.
/// A body that cannot be read is logged and left alone: it comes back after the visibility timeout until the
/// queue's redrive policy moves it to the dead-letter queue.
/// With an acknowledgement gate (<see cref="ISqsAcknowledgementGate"/>) a delivered message is not deleted at once: every
/// <see cref="SqsStreamOptions.AcknowledgeInterval"/> the gate is asked whether the consumers of its batches have
/// persisted them; confirmed messages are deleted, those a consumer cannot vouch for are released for redelivery, and
/// those it could not answer for stay invisible (the heartbeat goes on) until a later round. While
/// <see cref="MaxAwaitingConfirmation"/> messages wait, nothing more is received.
/// </summary>
internal sealed partial class SqsQueueAdapterReceiver : IQueueAdapterReceiver, IDisposable
{
    private const int MaxMessagesPerReceive = 10;
    private const string ReceiveCountAttribute = "ApproximateReceiveCount";

    /// <summary>Delivered messages that may wait for confirmation at once; past it the receiver stops receiving (backpressure).</summary>
    internal const int MaxAwaitingConfirmation = 1024;

    private readonly SqsQueueAdapterFactory _factory;
    private readonly QueueId _queueId;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _lock = new();
    private readonly Dictionary<string, InFlight> _byMessageId = [];
    private readonly Dictionary<IBatchContainer, InFlight> _byBatch = new(ReferenceEqualityComparer.Instance);

    /// <summary>With a gate: messages whose batches were all delivered, waiting for their consumers to confirm them.</summary>
    private readonly List<InFlight> _awaiting = [];
    private SqsQueue? _queue;
    private Task _heartbeat = Task.CompletedTask;
    private Task _acknowledging = Task.CompletedTask;
    private Task _abandoned = Task.CompletedTask;
    private long _lastSequence;

    public SqsQueueAdapterReceiver(SqsQueueAdapterFactory factory, QueueId queueId, ILogger logger, TimeProvider time)
    {
        _factory = factory;
        _queueId = queueId;
        _logger = logger;
        _time = time;
    }

    private SqsStreamOptions Options => _factory.Options;

    private string QueueName => _queue?.Name ?? _factory.Queues.NameOf(_queueId);

    /// <summary>Messages received and not yet deleted (tests look at it).</summary>
    internal int InFlightCount
    {
        get
        {
            lock (_lock)
            {
                return _byMessageId.Count;
            }
        }
    }

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public async Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        _queue = await _factory.Queues.GetAsync(_queueId, limit.Token);
        // Tokens grow across receiver incarnations (the queue moves between silos): they start from the clock.
        _lastSequence = _time.GetUtcNow().UtcTicks;
        _heartbeat = Task.Run(HeartbeatAsync, CancellationToken.None);
        if (_factory.Gate is not null)
        {
            _acknowledging = Task.Run(AcknowledgeLoopAsync, CancellationToken.None);
        }

        _factory.ReceiverStarted();
    }

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        if (_queue is not { } queue || _stopping.IsCancellationRequested || maxCount == 0 || AwaitingCount >= MaxAwaitingConfirmation)
        {
            return [];
        }

        var count = maxCount is QueueAdapterConstants.UNLIMITED_GET_QUEUE_MSG or > MaxMessagesPerReceive ? MaxMessagesPerReceive : maxCount;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        // The call itself is not cancelled: SQS may already have handed out messages that an aborted request would
        // drop, leaving them invisible for a whole visibility timeout. Shutdown stops waiting for it instead, and
        // whatever it brings back is released for the queue's next owner.
        var receive = _factory.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queue.Url,
            MaxNumberOfMessages = count,
            WaitTimeSeconds = (int)Options.ReceiveWaitTime.TotalSeconds,
            VisibilityTimeout = (int)Options.VisibilityTimeout.TotalSeconds,
            MessageSystemAttributeNames = [ReceiveCountAttribute],
        }, CancellationToken.None);
        ReceiveMessageResponse response;
        try
        {
            response = await receive.WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            _abandoned = ReleaseLateAsync(queue, receive);
            return [];
        }

        var batches = new List<IBatchContainer>(response.Messages?.Count ?? 0);
        foreach (var message in response.Messages ?? [])
        {
            var receiveCount = message.Attributes is { } attributes && attributes.TryGetValue(ReceiveCountAttribute, out var value)
                && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
            var visibleAgainAt = _time.GetUtcNow() + Options.VisibilityTimeout;
            lock (_lock)
            {
                if (_byMessageId.TryGetValue(message.MessageId, out var known))
                {
                    // Received again while its batch is still cached (a heartbeat came too late): the batch is already
                    // on its way, so it is not cached twice; only the newest receipt handle can delete the message.
                    known.ReceiptHandle = message.ReceiptHandle;
                    known.VisibleAgainAt = visibleAgainAt;
                    LogReceivedAgain(_logger, _factory.Name, queue.Name, message.MessageId);
                    continue;
                }
            }

            if (receiveCount >= Options.MaxReceiveCount)
            {
                SqsStreamMetrics.DeadLetterBound.Add(1, SqsStreamMetrics.Tags(_factory.Name, queue.Name));
                LogLastAttempt(_logger, _factory.Name, queue.Name, message.MessageId, receiveCount, queue.DeadLetterUrl ?? "(none)");
            }

            DecodedBody decoded;
            try
            {
                decoded = await _factory.Codec.DecodeAsync(message.Body ?? "", cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                SqsStreamMetrics.Unreadable.Add(1, SqsStreamMetrics.Tags(_factory.Name, queue.Name));
                LogUnreadable(_logger, e, _factory.Name, queue.Name, message.MessageId, receiveCount);
                continue;
            }

            var entry = new InFlight(message.MessageId, decoded.Batches, decoded.Offloaded)
            {
                ReceiptHandle = message.ReceiptHandle,
                VisibleAgainAt = visibleAgainAt,
            };
            lock (_lock)
            {
                _byMessageId[entry.MessageId] = entry;
                foreach (var batch in decoded.Batches)
                {
                    batch.Token = new EventSequenceTokenV2(NextSequence());
                    _byBatch[batch] = entry;
                }
            }

            batches.AddRange(decoded.Batches);
        }

        return batches;
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        if (_queue is not { } queue || messages.Count == 0)
        {
            return;
        }

        // A message is deleted once every batch it carries was delivered; a message one of whose batches failed is
        // given up whole (neither deleted nor kept invisible), so SQS redelivers it and consumers drop what they had.
        var delivered = new List<InFlight>(messages.Count);
        var failed = new List<(InFlight Message, StreamId Stream)>();
        lock (_lock)
        {
            var newest = long.MinValue;
            foreach (var batch in messages)
            {
                if (_byBatch.Remove(batch, out var entry))
                {
                    newest = Math.Max(newest, SequenceOf(batch));
                    if (--entry.Undelivered == 0)
                    {
                        if (_factory.Gate is null)
                        {
                            _byMessageId.Remove(entry.MessageId);
                            delivered.Add(entry);
                        }
                        else
                        {
                            // Still held (and kept invisible) until its consumers confirm it, without its events.
                            entry.KeepOnlyIdentities();
                            _awaiting.Add(entry);
                        }
                    }
                }
            }

            // The cache releases batches oldest first and leaves out those whose delivery failed, so a batch older than
            // one released now that is still held was dropped by the cache: stop hiding its message and let SQS redeliver it.
            foreach (var (batch, entry) in _byBatch)
            {
                if (SequenceOf(batch) < newest)
                {
                    failed.Add((entry, batch.StreamId));
                }
            }

            foreach (var (entry, _) in failed)
            {
                if (_byMessageId.Remove(entry.MessageId))
                {
                    foreach (var batch in entry.Batches)
                    {
                        _byBatch.Remove(batch);
                    }
                }
            }
        }

        foreach (var (entry, stream) in failed)
        {
            SqsStreamMetrics.DeliveryFailures.Add(1, SqsStreamMetrics.Tags(_factory.Name, queue.Name));
            LogDeliveryFailed(_logger, _factory.Name, queue.Name, entry.MessageId, stream);
        }

        await DeleteAsync(queue, delivered, cancellationToken);
    }

    private int AwaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _awaiting.Count;
            }
        }
    }

    private async Task DeleteAsync(SqsQueue queue, List<InFlight> messages, CancellationToken cancellationToken)
    {
        for (var i = 0; i < messages.Count; i += MaxMessagesPerReceive)
        {
            var chunk = messages.GetRange(i, Math.Min(MaxMessagesPerReceive, messages.Count - i));
            var response = await _factory.Sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
            {
                QueueUrl = queue.Url,
                Entries = chunk.Select((entry, index) => new DeleteMessageBatchRequestEntry(index.ToString(CultureInfo.InvariantCulture), entry.ReceiptHandle)).ToList(),
            }, cancellationToken);
            var failedIds = new HashSet<string>();
            foreach (var failure in response.Failed ?? [])
            {
                failedIds.Add(failure.Id);
                LogDeleteFailed(_logger, _factory.Name, queue.Name, chunk[int.Parse(failure.Id, CultureInfo.InvariantCulture)].MessageId, failure.Code, failure.Message);
            }

            for (var j = 0; j < chunk.Count; j++)
            {
                if (chunk[j].Offloaded is { } offloaded && !failedIds.Contains(j.ToString(CultureInfo.InvariantCulture)))
                {
                    await DeleteOffloadedQuietlyAsync(offloaded, queue.Name);
                }
            }
        }
    }

    private async Task AcknowledgeLoopAsync()
    {
        try
        {
            // The silo's receivers start together: spread their rounds over the interval rather than asking at once.
            await Task.Delay(Options.AcknowledgeInterval * Random.Shared.NextDouble(), _time, _stopping.Token);
            using var timer = new PeriodicTimer(Options.AcknowledgeInterval, _time);
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                await ConfirmAsync(_stopping.Token);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutdown confirms once more, then releases what is left.
        }
    }

    /// <summary>One round with the gate: deletes what its consumers confirmed, releases what they cannot vouch for, keeps the rest.</summary>
    private async Task ConfirmAsync(CancellationToken cancellationToken)
    {
        if (_queue is not { } queue || _factory.Gate is not { } gate)
        {
            return;
        }

        List<InFlight> awaiting;
        lock (_lock)
        {
            if (_awaiting.Count == 0)
            {
                return;
            }

            awaiting = [.. _awaiting];
            _awaiting.Clear();
        }

        var byStream = new Dictionary<StreamId, List<long>>();
        foreach (var entry in awaiting)
        {
            foreach (var (stream, sequence) in entry.Delivered)
            {
                if (!byStream.TryGetValue(stream, out var sequences))
                {
                    byStream[stream] = sequences = [];
                }

                sequences.Add(sequence);
            }
        }

        IReadOnlyDictionary<StreamId, bool> answers;
        try
        {
            // Within a quarter of the visibility timeout, so the heartbeat still has the rest of it.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(Options.VisibilityTimeout / 4);
            answers = await gate.PersistAsync(byStream, limit.Token);
        }
        catch (Exception e)
        {
            LogConfirmFailed(_logger, e, _factory.Name, queue.Name, awaiting.Count);
            answers = new Dictionary<StreamId, bool>();
        }

        var confirmed = new List<InFlight>();
        var refused = new List<InFlight>();
        var unanswered = new List<InFlight>();
        foreach (var entry in awaiting)
        {
            (Verdict(entry, answers) switch { true => confirmed, false => refused, null => unanswered }).Add(entry);
        }

        lock (_lock)
        {
            foreach (var entry in confirmed.Concat(refused))
            {
                _byMessageId.Remove(entry.MessageId);
            }

            _awaiting.AddRange(unanswered);
        }

        try
        {
            await DeleteAsync(queue, confirmed, CancellationToken.None);
        }
        catch (Exception e) when (e is AmazonSQSException or HttpRequestException or OperationCanceledException)
        {
            // They come back after the visibility timeout, and their consumers drop what they already have.
            LogConfirmedDeleteFailed(_logger, e, _factory.Name, queue.Name, confirmed.Count);
        }

        if (refused.Count > 0)
        {
            LogRefused(_logger, _factory.Name, queue.Name, refused.Count);
            try
            {
                await ChangeVisibilityAsync(queue, refused, TimeSpan.Zero, CancellationToken.None);
            }
            catch (Exception e) when (e is AmazonSQSException or HttpRequestException or OperationCanceledException)
            {
                LogReleaseFailed(_logger, e, _factory.Name, queue.Name, refused.Count);
            }
        }
    }

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (_queue is not null)
        {
            _factory.ReceiverStopped();
        }

        await _stopping.CancelAsync();
        try
        {
            await _heartbeat;
        }
        catch (OperationCanceledException)
        {
            // The heartbeat ends by cancellation.
        }

        await _acknowledging;
        using (var lastRound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // What the consumers have persisted by now is deleted rather than delivered again by the next owner.
            lastRound.CancelAfter(timeout / 2);
            await ConfirmAsync(lastRound.Token);
        }

        try
        {
            await _abandoned.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Its messages come back after the visibility timeout instead.
        }

        List<InFlight> held;
        lock (_lock)
        {
            held = [.. _byMessageId.Values];
            _byMessageId.Clear();
            _byBatch.Clear();
            _awaiting.Clear();
        }

        if (_queue is { } queue && held.Count > 0)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                // Undelivered messages go back now rather than after the visibility timeout: the queue's next owner
                // (another silo) picks them up at once.
                await ChangeVisibilityAsync(queue, held, TimeSpan.Zero, limit.Token);
                LogReleased(_logger, _factory.Name, queue.Name, held.Count);
            }
            catch (Exception e) when (e is AmazonSQSException or OperationCanceledException or HttpRequestException)
            {
                LogReleaseFailed(_logger, e, _factory.Name, queue.Name, held.Count);
            }
        }

        Dispose();
    }

    public void Dispose() => _stopping.Dispose();

    private long NextSequence()
    {
        _lastSequence = Math.Max(_lastSequence + 1, _time.GetUtcNow().UtcTicks);
        return _lastSequence;
    }

    private async Task HeartbeatAsync()
    {
        var timeout = Options.VisibilityTimeout;
        // Checked four times per timeout; a message is extended once half its invisibility has passed, which leaves a
        // quarter of the timeout for the call itself.
        using var timer = new PeriodicTimer(timeout / 4, _time);
        while (await timer.WaitForNextTickAsync(_stopping.Token))
        {
            if (_queue is not { } queue)
            {
                continue;
            }

            List<InFlight> due = [];
            var threshold = _time.GetUtcNow() + (timeout / 2);
            lock (_lock)
            {
                foreach (var entry in _byMessageId.Values)
                {
                    if (entry.VisibleAgainAt <= threshold)
                    {
                        due.Add(entry);
                    }
                }
            }

            if (due.Count == 0)
            {
                continue;
            }

            try
            {
                await ChangeVisibilityAsync(queue, due, timeout, _stopping.Token);
            }
            catch (Exception e) when (e is AmazonSQSException or HttpRequestException)
            {
                LogExtendFailed(_logger, e, _factory.Name, queue.Name, due.Count);
            }
        }
    }

    private async Task ChangeVisibilityAsync(SqsQueue queue, List<InFlight> entries, TimeSpan visibility, CancellationToken cancellationToken)
    {
        for (var i = 0; i < entries.Count; i += MaxMessagesPerReceive)
        {
            var chunk = entries.GetRange(i, Math.Min(MaxMessagesPerReceive, entries.Count - i));
            var requestedAt = _time.GetUtcNow();
            var response = await _factory.Sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
            {
                QueueUrl = queue.Url,
                Entries = chunk.Select((entry, index) => new ChangeMessageVisibilityBatchRequestEntry
                {
                    Id = index.ToString(CultureInfo.InvariantCulture),
                    ReceiptHandle = entry.ReceiptHandle,
                    VisibilityTimeout = (int)visibility.TotalSeconds,
                }).ToList(),
            }, cancellationToken);
            foreach (var success in response.Successful ?? [])
            {
                chunk[int.Parse(success.Id, CultureInfo.InvariantCulture)].VisibleAgainAt = requestedAt + visibility;
            }

            foreach (var failure in response.Failed ?? [])
            {
                // Typically the message became visible before we got to it and another receive took it; that receive
                // (ours or another silo's) owns it now.
                var rejected = chunk[int.Parse(failure.Id, CultureInfo.InvariantCulture)];
                LogVisibilityRejected(_logger, _factory.Name, queue.Name, rejected.MessageId, failure.Code);
            }
        }
    }

    private async Task ReleaseLateAsync(SqsQueue queue, Task<ReceiveMessageResponse> receive)
    {
        try
        {
            var messages = (await receive).Messages ?? [];
            for (var i = 0; i < messages.Count; i += MaxMessagesPerReceive)
            {
                await _factory.Sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
                {
                    QueueUrl = queue.Url,
                    Entries = messages.Skip(i).Take(MaxMessagesPerReceive).Select((m, index) => new ChangeMessageVisibilityBatchRequestEntry
                    {
                        Id = index.ToString(CultureInfo.InvariantCulture),
                        ReceiptHandle = m.ReceiptHandle,
                        VisibilityTimeout = 0,
                    }).ToList(),
                });
            }

            if (messages.Count > 0)
            {
                LogReleased(_logger, _factory.Name, queue.Name, messages.Count);
            }
        }
        catch (Exception e) when (e is AmazonSQSException or HttpRequestException or OperationCanceledException)
        {
            LogReleaseFailed(_logger, e, _factory.Name, queue.Name, 0);
        }
    }

    private async Task DeleteOffloadedQuietlyAsync(OffloadedObject offloaded, string queueName)
    {
        try
        {
            await _factory.Codec.DeleteObjectAsync(offloaded, CancellationToken.None);
        }
        catch (Exception e)
        {
            // An orphaned object is garbage, not a correctness problem; a bucket lifecycle rule is the backstop.
            LogOrphanedObject(_logger, e, _factory.Name, queueName, offloaded.Key);
        }
    }

    /// <summary>Per the gate's answers: confirmed, refused, or not answered (null); the first batch in doubt decides.</summary>
    private static bool? Verdict(InFlight entry, IReadOnlyDictionary<StreamId, bool> answers)
    {
        foreach (var (stream, _) in entry.Delivered)
        {
            if (!answers.TryGetValue(stream, out var persisted))
            {
                return null;
            }

            if (!persisted)
            {
                return false;
            }
        }

        return true;
    }

    private static long SequenceOf(IBatchContainer batch) => ((EventSequenceTokenV2)batch.SequenceToken).SequenceNumber;

    /// <summary>One received message and the batches it carries (several streams when packed).</summary>
    private sealed class InFlight(string messageId, List<StreamBatchContainer> batches, OffloadedObject? offloaded)
    {
        public string MessageId { get; } = messageId;

        /// <summary>The batches, until all are delivered (then empty: a message waiting for confirmation holds no events).</summary>
        public List<StreamBatchContainer> Batches { get; private set; } = batches;

        /// <summary>Once all are delivered: the stream and sequence number of each batch, what the gate is asked about.</summary>
        public (StreamId Stream, long Sequence)[] Delivered { get; private set; } = [];

        /// <summary>Batches not yet released by the cache as delivered; changed under the receiver's lock.</summary>
        public int Undelivered { get; set; } = batches.Count;

        public void KeepOnlyIdentities()
        {
            Delivered = [.. Batches.Select(b => (b.StreamId, SequenceOf(b)))];
            Batches = [];
        }

        public OffloadedObject? Offloaded { get; } = offloaded;

        // Written by the receive path and the heartbeat; a stale read costs at most one extra or late extension.
        public required string ReceiptHandle { get; set; }

        public required DateTimeOffset VisibleAgainAt { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: message {MessageId} on queue {Queue} is being received for the {ReceiveCount}th time, the redrive limit: if this attempt fails it moves to the dead-letter queue {DeadLetterQueue}")]
    private static partial void LogLastAttempt(ILogger logger, string provider, string queue, string messageId, int receiveCount, string deadLetterQueue);

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS stream provider {Provider}: message {MessageId} on queue {Queue} (receive {ReceiveCount}) cannot be read; it is left for the redrive policy to dead-letter")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string provider, string queue, string messageId, int receiveCount);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SQS stream provider {Provider}: message {MessageId} on queue {Queue} was received again while cached; kept its newest receipt handle")]
    private static partial void LogReceivedAgain(ILogger logger, string provider, string queue, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: delivery of message {MessageId} on queue {Queue} (stream {StreamId}) failed; SQS will redeliver it")]
    private static partial void LogDeliveryFailed(ILogger logger, string provider, string queue, string messageId, StreamId streamId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: could not delete delivered message {MessageId} from queue {Queue} ({Code}: {Reason}); it will be delivered again")]
    private static partial void LogDeleteFailed(ILogger logger, string provider, string queue, string messageId, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: could not extend the visibility of {Count} messages on queue {Queue}")]
    private static partial void LogExtendFailed(ILogger logger, Exception exception, string provider, string queue, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "SQS stream provider {Provider}: visibility change of message {MessageId} on queue {Queue} rejected ({Code})")]
    private static partial void LogVisibilityRejected(ILogger logger, string provider, string queue, string messageId, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS stream provider {Provider}: released {Count} undelivered messages on queue {Queue}")]
    private static partial void LogReleased(ILogger logger, string provider, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: could not release {Count} undelivered messages on queue {Queue}; they return after the visibility timeout")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string provider, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: the acknowledgement gate did not answer for {Count} delivered messages on queue {Queue}; they stay invisible and are asked about again")]
    private static partial void LogConfirmFailed(ILogger logger, Exception exception, string provider, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: could not delete {Count} confirmed messages from queue {Queue}; they will be delivered again")]
    private static partial void LogConfirmedDeleteFailed(ILogger logger, Exception exception, string provider, string queue, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS stream provider {Provider}: consumers could not vouch for {Count} delivered messages on queue {Queue} (a new activation?); released for redelivery")]
    private static partial void LogRefused(ILogger logger, string provider, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS stream provider {Provider}: could not delete the S3 object {Key} of a delivered message on queue {Queue}")]
    private static partial void LogOrphanedObject(ILogger logger, Exception exception, string provider, string queue, string key);
}
