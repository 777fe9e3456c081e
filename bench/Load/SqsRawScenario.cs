using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using HdrHistogram;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The <c>sqs-raw</c> scenario, the ceiling <c>aws-local</c> is compared with: a bare AWSSDK.SQS loop, no Orleans, no
/// HTTP. Senders put product-sized stream messages (<see cref="StreamMessagePool"/>) on the queues with
/// SendMessageBatch (10 per call); one receiver per queue (by default) takes them with long-polling ReceiveMessage
/// (10 per call) and removes them with DeleteMessageBatch. A message counts as the events it carries, and they count
/// when its delete succeeds. Senders hold back while <c>--max-backlog</c> messages are in the queues, so the end-to-end
/// latency is that of a queue kept busy rather than one growing without bound.
/// </summary>
public sealed class SqsRawScenario(LoadOptions options, Uri sqsServiceUrl, LocalAwsEmulators? emulators, TextWriter log, HttpCallCounter? calls = null)
{
    // SQS's limit per SendMessageBatch, ReceiveMessage and DeleteMessageBatch.
    private const int BatchEntries = 10;
    private const int PoolRequests = 1_000;

    // As the stream provider's receiver: the longest long poll SQS allows, and its default visibility timeout.
    private const int WaitTimeSeconds = 20;
    private const int VisibilityTimeoutSeconds = 30;

    private readonly LongConcurrentHistogram _send = LoadReport.NewHistogram();
    private readonly LongConcurrentHistogram _endToEnd = LoadReport.NewHistogram();
    private readonly ConcurrentDictionary<string, long> _meet = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _failureReasons = new(StringComparer.Ordinal);
    private StreamMessagePool _pool = null!;
    private long _next;
    private long _sendCalls;
    private long _failedCalls;
    private long _reservedEvents;
    private long _failedEvents;
    private long _acceptedMessages;
    private long _acceptedEvents;
    private long _deletedMessages;
    private long _deletedEvents;
    private long _measuredEvents;
    private long _duplicateEvents;
    private long _receives;
    private long _emptyReceives;
    private long _measureStart;
    private long _end;
    private Task<ProcessSnapshot>? _atMeasureStart;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        _pool = await StreamMessagePool.BuildAsync(options, PoolRequests, cancellationToken);
        using var sqs = new AmazonSQSClient(LocalAwsEmulators.Credentials, new AmazonSQSConfig
        {
            ServiceURL = sqsServiceUrl.ToString(),
            AuthenticationRegion = LocalAwsEmulators.Region,
        });
        var run = Guid.NewGuid().ToString("N")[..8];
        var queues = new string[options.Queues];
        for (var q = 0; q < queues.Length; q++)
        {
            queues[q] = (await sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = $"sqsraw-{run}-{q}",
                Attributes = new() { ["VisibilityTimeout"] = VisibilityTimeoutSeconds.ToString(CultureInfo.InvariantCulture) },
            }, cancellationToken)).QueueUrl;
        }

        log.WriteLine($"sqs-raw: {sqsServiceUrl}, {queues.Length} queues, {options.SqsSenders} senders, {options.ReceiverCount} receivers, " +
            $"{_pool.Count} distinct messages of {_pool.MeanEvents:0.00} events and {_pool.MeanBodyBytes:0} bytes on average; " +
            $"warm-up {options.Warmup.TotalSeconds:0.#} s, measuring {options.Duration.TotalSeconds:0.#} s");
        try
        {
            return await MeasureAsync(sqs, queues, cancellationToken);
        }
        finally
        {
            foreach (var queue in queues)
            {
                await sqs.DeleteQueueAsync(queue, CancellationToken.None);
            }
        }
    }

    private async Task<LoadReport> MeasureAsync(AmazonSQSClient sqs, string[] queues, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        _measureStart = start + DeliveryLedger.Ticks(options.Warmup);
        _end = _measureStart + DeliveryLedger.Ticks(options.Duration);
        calls?.Window(_measureStart, _end);
        _atMeasureStart = ProcessSnapshot.TakeAfterAsync(options.Warmup, () => emulators?.CpuTimes(), cancellationToken);

        using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receivers = Enumerable.Range(0, options.ReceiverCount)
            .Select(r => Task.Run(() => ReceiveAsync(sqs, queues[r % queues.Length], stopReceiving.Token), CancellationToken.None))
            .ToArray();
        using (new Timer(_ => Progress(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)))
        {
            var senders = Enumerable.Range(0, options.SqsSenders)
                .Select(_ => Task.Run(() => SendAsync(sqs, queues, cancellationToken), cancellationToken))
                .ToArray();
            await Task.WhenAll(senders);
            var sendEnd = Stopwatch.GetTimestamp();
            var atSendEnd = ProcessSnapshot.Take(emulators?.CpuTimes());
            // A run bounded by --max-events ends its window when the last send is answered.
            Volatile.Write(ref _end, Math.Min(sendEnd, _end));

            var deadline = sendEnd + DeliveryLedger.Ticks(options.Drain);
            while (Interlocked.Read(ref _deletedMessages) < Interlocked.Read(ref _acceptedMessages) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(20, cancellationToken);
            }

            var drainSeconds = DeliveryLedger.MillisecondsSince(sendEnd, Stopwatch.GetTimestamp()) / 1000;
            await stopReceiving.CancelAsync();
            await Task.WhenAll(receivers);
            return Report(atSendEnd, drainSeconds);
        }
    }

    private async Task SendAsync(AmazonSQSClient sqs, string[] queues, CancellationToken cancellationToken)
    {
        var entries = new List<SendMessageBatchRequestEntry>(BatchEntries);
        var events = new int[BatchEntries];
        while (!cancellationToken.IsCancellationRequested && Stopwatch.GetTimestamp() < _end
            && (options.MaxEvents is not { } max || Interlocked.Read(ref _reservedEvents) < max))
        {
            while (Interlocked.Read(ref _acceptedMessages) - Interlocked.Read(ref _deletedMessages) >= options.MaxBacklog
                && Stopwatch.GetTimestamp() < _end)
            {
                await Task.Delay(1, cancellationToken);
            }

            var first = Interlocked.Add(ref _next, BatchEntries) - BatchEntries;
            var batchEvents = 0;
            entries.Clear();
            for (var i = 0; i < BatchEntries; i++)
            {
                var message = _pool[first + i];
                events[i] = message.Events;
                batchEvents += message.Events;
                entries.Add(new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), message.Body));
            }

            Interlocked.Add(ref _reservedEvents, batchEvents);
            Interlocked.Increment(ref _sendCalls);
            var queue = queues[first / BatchEntries % queues.Length];
            var sentAt = Stopwatch.GetTimestamp();
            SendMessageBatchResponse response;
            try
            {
                response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest(queue, entries), cancellationToken);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failedCalls);
                Interlocked.Add(ref _failedEvents, batchEvents);
                Fail("send: " + Reason(e));
                continue;
            }

            var answeredAt = Stopwatch.GetTimestamp();
            if (sentAt >= _measureStart && sentAt < _end)
            {
                _send.RecordValue(Microseconds(sentAt, answeredAt));
            }

            foreach (var sent in response.Successful ?? [])
            {
                var k = events[int.Parse(sent.Id, CultureInfo.InvariantCulture)];
                Interlocked.Increment(ref _acceptedMessages);
                Interlocked.Add(ref _acceptedEvents, k);
                Meet(sent.MessageId, sentAt, sender: true, k);
            }

            foreach (var failed in response.Failed ?? [])
            {
                Interlocked.Add(ref _failedEvents, events[int.Parse(failed.Id, CultureInfo.InvariantCulture)]);
                Fail($"send entry: {failed.Code}");
            }
        }
    }

    private async Task ReceiveAsync(AmazonSQSClient sqs, string queue, CancellationToken stop)
    {
        var deletes = new List<DeleteMessageBatchRequestEntry>(BatchEntries);
        var events = new int[BatchEntries];
        while (!stop.IsCancellationRequested)
        {
            ReceiveMessageResponse response;
            try
            {
                response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = queue,
                    MaxNumberOfMessages = BatchEntries,
                    WaitTimeSeconds = WaitTimeSeconds,
                    VisibilityTimeout = VisibilityTimeoutSeconds,
                    MessageSystemAttributeNames = ["ApproximateReceiveCount"],
                }, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TaskCanceledException)
            {
                Fail("receive: " + Reason(e));
                continue;
            }

            var receivedAt = Stopwatch.GetTimestamp();
            if (response.Messages is not { Count: > 0 } messages)
            {
                Interlocked.Increment(ref _emptyReceives);
                continue;
            }

            Interlocked.Increment(ref _receives);
            deletes.Clear();
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                events[i] = _pool.EventsOf(message.Body);
                if (events[i] == 0)
                {
                    Fail("receive: a body this run did not send");
                }
                else if (!_received.TryAdd(message.MessageId, 0))
                {
                    Interlocked.Add(ref _duplicateEvents, events[i]);
                    events[i] = 0;
                }
                else
                {
                    Meet(message.MessageId, receivedAt, sender: false, events[i]);
                }

                deletes.Add(new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), message.ReceiptHandle));
            }

            DeleteMessageBatchResponse deleted;
            try
            {
                // Not cancelled by the stop: a delete cut off would leave the message to come back as a duplicate.
                deleted = await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest(queue, deletes), CancellationToken.None);
            }
            catch (Exception e) when (e is AmazonServiceException or HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failedCalls);
                Fail("delete: " + Reason(e));
                continue;
            }

            var deletedAt = Stopwatch.GetTimestamp();
            var measured = deletedAt >= _measureStart && deletedAt < _end;
            foreach (var done in deleted.Successful ?? [])
            {
                var k = events[int.Parse(done.Id, CultureInfo.InvariantCulture)];
                Interlocked.Increment(ref _deletedMessages);
                Interlocked.Add(ref _deletedEvents, k);
                if (measured)
                {
                    Interlocked.Add(ref _measuredEvents, k);
                }
            }

            foreach (var failed in deleted.Failed ?? [])
            {
                Fail($"delete entry: {failed.Code}");
            }
        }
    }

    /// <summary>
    /// A message's send time is known when SendMessageBatch answers, and a receiver can get the message before that:
    /// whichever of the two comes second records the latency. Send times are stored as they are, receive times negated.
    /// </summary>
    private void Meet(string messageId, long timestamp, bool sender, int events)
    {
        if (_meet.TryAdd(messageId, sender ? timestamp : -timestamp) || !_meet.TryRemove(messageId, out var other))
        {
            return;
        }

        var (sentAt, receivedAt) = sender ? (timestamp, -other) : (other, timestamp);
        if (sentAt >= _measureStart && sentAt < _end)
        {
            _endToEnd.RecordValueWithCount(Microseconds(sentAt, receivedAt), events);
        }
    }

    private LoadReport Report(ProcessSnapshot atEnd, double drainSeconds)
    {
        var measuredSeconds = DeliveryLedger.MillisecondsSince(_measureStart, Math.Max(_measureStart, _end)) / 1000;
        var measuredEvents = Interlocked.Read(ref _measuredEvents);
        var eventsPerSecond = measuredSeconds > 0 ? measuredEvents / measuredSeconds : 0;
        var accepted = Interlocked.Read(ref _acceptedEvents);
        var deleted = Interlocked.Read(ref _deletedEvents);
        var detail = new ErrorDetail(
            Interlocked.Read(ref _failedCalls), Interlocked.Read(ref _failedEvents), 0, Math.Max(0, accepted - deleted),
            Interlocked.Read(ref _duplicateEvents), 0, 0, new SortedDictionary<string, long>(_failureReasons, StringComparer.Ordinal));
        return new LoadReport(
            "sqs-raw",
            DateTimeOffset.UtcNow,
            LoadReport.GitCommit(),
            MachineInfo.Current(),
            Settings(),
            eventsPerSecond,
            eventsPerSecond,
            LatencySummary.From(_send),
            LatencySummary.From(_endToEnd),
            detail.Total,
            detail,
            new LoadCounts(Interlocked.Read(ref _sendCalls), Interlocked.Read(ref _reservedEvents), accepted, deleted, measuredEvents,
                Math.Round(measuredSeconds, 3), Math.Round(drainSeconds, 3)),
            ProcessCost.Between(ProcessSnapshot.TakenOr(_atMeasureStart, atEnd), atEnd, measuredEvents, measuredSeconds),
            null)
        {
            HttpCalls = options.HttpCalls > 0 ? calls?.PerEvent(measuredEvents, options.HttpCalls) : null,
            SqsRaw = new SqsRawDetail(
                options.Queues, options.SqsSenders, options.ReceiverCount, options.MaxBacklog, _pool.Count,
                Math.Round(_pool.MeanEvents, 3), Math.Round(_pool.MeanBodyBytes), Interlocked.Read(ref _acceptedMessages),
                Interlocked.Read(ref _deletedMessages), Interlocked.Read(ref _receives), Interlocked.Read(ref _emptyReceives)),
        };
    }


    private void Progress()
    {
        var phase = Stopwatch.GetTimestamp() < _measureStart ? "warm-up" : Stopwatch.GetTimestamp() < _end ? "measuring" : "draining";
        log.WriteLine($"  sqs-raw {phase}: {Interlocked.Read(ref _acceptedMessages)} messages ({Interlocked.Read(ref _acceptedEvents)} events) sent, " +
            $"{Interlocked.Read(ref _deletedMessages)} ({Interlocked.Read(ref _deletedEvents)} events) received and deleted, {_failureReasons.Values.Sum()} failures");
    }

    private Dictionary<string, string> Settings() => new(StringComparer.Ordinal)
    {
        ["target"] = sqsServiceUrl.ToString(),
        ["emulators"] = emulators is null ? "given" : "started by the run",
        ["queues"] = Invariant(options.Queues),
        ["senders"] = Invariant(options.SqsSenders),
        ["receivers"] = Invariant(options.ReceiverCount),
        ["max_backlog"] = Invariant(options.MaxBacklog),
        ["tenants"] = Invariant(options.Tenants),
        ["users"] = Invariant(options.UserCount),
        ["zipf"] = Invariant(options.ZipfExponent),
        ["vendor_mix"] = string.Join(',', options.VendorMix.Select(m => $"{m.Vendor}:{Invariant(m.Weight)}")),
        ["batch_size"] = Invariant(options.BatchSize),
        ["warmup_s"] = Invariant(options.Warmup.TotalSeconds),
        ["duration_s"] = Invariant(options.Duration.TotalSeconds),
        ["max_events"] = options.MaxEvents is { } m ? Invariant(m) : "",
        ["drain_s"] = Invariant(options.Drain.TotalSeconds),
        ["seed"] = Invariant(options.Seed),
    };

    private void Fail(string reason) => _failureReasons.AddOrUpdate(reason, 1, (_, n) => n + 1);

    private static string Reason(Exception e) => e switch
    {
        AmazonServiceException aws => aws.ErrorCode ?? aws.StatusCode.ToString(),
        HttpRequestException http => http.HttpRequestError.ToString(),
        _ => "timeout",
    };

    private static long Microseconds(long from, long to) => Math.Max(1, (to - from) * 1_000_000 / Stopwatch.Frequency);

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

}
