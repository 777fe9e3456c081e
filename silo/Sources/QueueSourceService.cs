using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using SecurityCoach.Api;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Silo.Sources;

/// <summary>
/// Reads the queues of <c>SecurityCoach:Ingest:Sources</c> and ingests what they carry through the same
/// <see cref="IngestPipeline"/> as <c>POST /v1/ingest/{vendor}</c>: the message body itself, or the S3 objects an
/// event notification names. At least once: a message is deleted only after every event it carried was published
/// (or kept as unmapped); on any other outcome it stays and SQS delivers it again after its visibility timeout. A
/// redelivery re-publishes events that were already published, and the user grains drop their ids, so each is
/// scored once. A message that can never be ingested is deleted once it was received
/// <see cref="QueueSourceOptions.MaxReceiveCount"/> times, with an error log, so it cannot circle forever.
/// </summary>
public sealed partial class QueueSourceService(
    IOptions<QueueSourcesOptions> options,
    IngestPipeline pipeline,
    IClusterClient cluster,
    IConfiguration configuration,
    ILogger<QueueSourceService> logger) : BackgroundService
{
    private const string ReceiveCountAttribute = "ApproximateReceiveCount";
    private const int MaxMessagesPerReceive = 10;

    /// <summary>Lines per chunk of a large object: well under a tenant's default burst, so one chunk is never refused as larger than it.</summary>
    private const int MaxLinesPerChunk = 5_000;
    private static readonly TimeSpan ReceiveErrorPause = TimeSpan.FromSeconds(5);

    private readonly ConcurrentBag<Task> _releases = [];
    private readonly Lazy<AmazonSQSClient> _sqs = new(() => CreateSqs(configuration));
    private readonly Lazy<AmazonS3Client> _s3 = new(() => CreateS3(configuration));

    private enum Verdict
    {
        Done,
        Retry,
        Poison,
    }

    /// <summary>One message's fate, with what it contributed, for the batch's log line.</summary>
    private readonly record struct MessageOutcome(Verdict Verdict, string? Reason = null, int Events = 0, int Unmapped = 0, int Rejected = 0)
    {
        /// <summary>Two parts of one message together: the worse verdict, the first reason, the counts added up.</summary>
        public MessageOutcome And(MessageOutcome next) =>
            new(Worse(Verdict, next.Verdict), Reason ?? next.Reason, Events + next.Events, Unmapped + next.Unmapped, Rejected + next.Rejected);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var receivers = new List<Task>();
        foreach (var source in options.Value.Sources)
        {
            LogSourceStarted(source.QueueUrl!, source.Kind, source.Vendor!, source.TenantId!, source.Receivers);
            for (var i = 0; i < source.Receivers; i++)
            {
                receivers.Add(Task.Run(() => ReceiveAsync(source, stoppingToken), CancellationToken.None));
            }
        }

        return Task.WhenAll(receivers);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await Task.WhenAll(_releases).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host stops waiting; what was not released becomes visible after its visibility timeout anyway.
        }
    }

    public override void Dispose()
    {
        if (_sqs.IsValueCreated)
        {
            _sqs.Value.Dispose();
        }

        if (_s3.IsValueCreated)
        {
            _s3.Value.Dispose();
        }

        base.Dispose();
    }

    private async Task ReceiveAsync(QueueSourceOptions source, CancellationToken stopping)
    {
        var sqs = _sqs.Value;
        var normalizer = EventNormalizers.TryGet(source.Vendor!, out var found) ? found : throw new InvalidOperationException(source.Vendor);
        while (!stopping.IsCancellationRequested)
        {
            // The call itself is not cancelled: SQS may already have handed out messages that an aborted request
            // would drop, leaving them invisible for a whole visibility timeout. Shutdown stops waiting for it, and
            // releases what it brings back.
            var receive = sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = source.QueueUrl,
                MaxNumberOfMessages = MaxMessagesPerReceive,
                WaitTimeSeconds = source.WaitTimeSeconds,
                VisibilityTimeout = source.VisibilityTimeoutSeconds,
                MessageSystemAttributeNames = [ReceiveCountAttribute],
            }, CancellationToken.None);
            List<Message> messages;
            try
            {
                messages = (await receive.WaitAsync(stopping)).Messages ?? [];
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                _releases.Add(ReleaseLateAsync(source, receive));
                return;
            }
            catch (Exception e)
            {
                LogReceiveFailed(e, source.QueueUrl!);
                if (!await PauseAsync(stopping))
                {
                    return;
                }

                continue;
            }

            if (messages.Count == 0)
            {
                continue;
            }

            if (!await TenantExistsAsync(source.TenantId!))
            {
                // Left invisible until their timeout runs out: the tenant may be created meanwhile.
                LogTenantMissing(source.TenantId!, source.QueueUrl!, messages.Count);
                continue;
            }

            await ProcessAsync(source, normalizer, messages);
        }
    }

    /// <summary>Ingests a received batch, then deletes what is done (or hopeless); runs to the end even during shutdown.</summary>
    private async Task ProcessAsync(QueueSourceOptions source, IEventNormalizer normalizer, List<Message> messages)
    {
        var work = new Task<MessageOutcome>[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            work[i] = GuardedAsync(source, normalizer, messages[i]);
        }

        var outcomes = await Task.WhenAll(work);
        var deletes = new List<DeleteMessageBatchRequestEntry>(messages.Count);
        int events = 0, unmapped = 0, rejected = 0, left = 0, dropped = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var (message, outcome) = (messages[i], outcomes[i]);
            events += outcome.Events;
            unmapped += outcome.Unmapped;
            rejected += outcome.Rejected;
            var receiveCount = ReceiveCount(message);
            var delete = outcome.Verdict == Verdict.Done;
            if (outcome.Verdict == Verdict.Poison)
            {
                if (receiveCount >= source.MaxReceiveCount)
                {
                    LogDropped(source.QueueUrl!, message.MessageId, receiveCount, outcome.Reason!);
                    dropped++;
                    delete = true;
                }
                else
                {
                    LogUnusable(source.QueueUrl!, message.MessageId, receiveCount, source.MaxReceiveCount, outcome.Reason!);
                }
            }
            else if (outcome.Verdict == Verdict.Retry)
            {
                LogLeft(source.QueueUrl!, message.MessageId, receiveCount, outcome.Reason!);
            }

            if (delete)
            {
                deletes.Add(new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), message.ReceiptHandle));
            }
            else
            {
                left++;
            }
        }

        await DeleteAsync(source, deletes);
        LogBatch(source.QueueUrl!, messages.Count, events, unmapped, rejected, left, dropped);
    }

    /// <summary>An unexpected failure (a grain call that threw) leaves the message for redelivery and the receiver running.</summary>
    private async Task<MessageOutcome> GuardedAsync(QueueSourceOptions source, IEventNormalizer normalizer, Message message)
    {
        try
        {
            return await IngestMessageAsync(source, normalizer, message);
        }
        catch (Exception e)
        {
            return new MessageOutcome(Verdict.Retry, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<MessageOutcome> IngestMessageAsync(QueueSourceOptions source, IEventNormalizer normalizer, Message message)
    {
        var body = message.Body ?? "";
        if (source.Kind == QueueSourceOptions.Messages)
        {
            return Encoding.UTF8.GetByteCount(body) > pipeline.MaxBodyBytes
                ? new MessageOutcome(Verdict.Poison, $"body-too-large: over {pipeline.MaxBodyBytes} bytes")
                : await IngestAsync(source, normalizer, Encoding.UTF8.GetBytes(body));
        }

        if (!SourcePayloads.TryReadS3Notification(body, out var objects, out var error))
        {
            return new MessageOutcome(Verdict.Poison, $"not an S3 event notification: {error}");
        }

        // Every object must be in before the message goes; a redelivery re-ingests those that were, harmlessly.
        var total = new MessageOutcome(Verdict.Done);
        foreach (var obj in objects)
        {
            total = total.And(await IngestObjectAsync(source, normalizer, obj));
        }

        return total;
    }

    /// <summary>A message that could yet succeed is kept rather than dropped for a part that cannot.</summary>
    private static Verdict Worse(Verdict a, Verdict b) =>
        a == Verdict.Retry || b == Verdict.Retry ? Verdict.Retry : a == Verdict.Poison || b == Verdict.Poison ? Verdict.Poison : Verdict.Done;

    private async Task<MessageOutcome> IngestObjectAsync(QueueSourceOptions source, IEventNormalizer normalizer, S3ObjectRef obj)
    {
        byte[]? payload;
        try
        {
            using var response = await _s3.Value.GetObjectAsync(obj.Bucket, obj.Key);
            payload = await SourcePayloads.ReadAtMostAsync(response.ResponseStream, source.MaxObjectBytes, CancellationToken.None);
            if (payload is not null && SourcePayloads.IsGzip(obj.Key, response.Headers.ContentEncoding, payload))
            {
                payload = await SourcePayloads.GunzipAtMostAsync(payload, source.MaxObjectBytes, CancellationToken.None);
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return new MessageOutcome(Verdict.Poison, $"s3://{obj.Bucket}/{obj.Key}: {e.ErrorCode ?? "not found"}");
        }
        catch (InvalidDataException e)
        {
            return new MessageOutcome(Verdict.Poison, $"s3://{obj.Bucket}/{obj.Key}: not gzip: {e.Message}");
        }
        catch (Exception e)
        {
            return new MessageOutcome(Verdict.Retry, $"s3://{obj.Bucket}/{obj.Key}: {e.Message}");
        }

        if (payload is null)
        {
            return new MessageOutcome(Verdict.Poison, $"s3://{obj.Bucket}/{obj.Key}: body-too-large: over {source.MaxObjectBytes} bytes (MaxObjectBytes)");
        }

        var mediaType = SourcePayloads.MediaTypeOf(normalizer, payload);
        if (mediaType == IngestBody.Json || payload.Length <= pipeline.MaxBodyBytes)
        {
            return payload.Length <= pipeline.MaxBodyBytes
                ? await IngestAsync(source, normalizer, payload)
                : new MessageOutcome(Verdict.Poison, $"s3://{obj.Bucket}/{obj.Key}: body-too-large: a JSON document of {payload.Length} bytes, over {pipeline.MaxBodyBytes}; only line-based objects are split");
        }

        // A large line-based object (an FDR batch, a log stream file) goes in chunks of whole lines; a redelivery after a
        // failed chunk ingests the object again, and the user grains drop what they already scored.
        var total = new MessageOutcome(Verdict.Done);
        foreach (var chunk in SourcePayloads.LineChunks(payload, pipeline.MaxBodyBytes, Math.Min(pipeline.MaxEvents, MaxLinesPerChunk)))
        {
            var outcome = await IngestAsync(source, normalizer, chunk, mediaType);
            // A chunk whose every line was rejected does not make the object unusable: its lines count as rejected.
            var verdict = outcome.Verdict == Verdict.Poison && outcome.Rejected > 0 ? Verdict.Done : outcome.Verdict;
            total = total.And(outcome with { Verdict = verdict, Reason = verdict == Verdict.Done ? null : outcome.Reason });
            if (verdict == Verdict.Retry)
            {
                break;
            }
        }

        return total.Events + total.Unmapped == 0 && total.Verdict == Verdict.Done
            ? total with { Verdict = Verdict.Poison, Reason = $"s3://{obj.Bucket}/{obj.Key}: no-valid-events in any chunk" }
            : total;
    }

    private Task<MessageOutcome> IngestAsync(QueueSourceOptions source, IEventNormalizer normalizer, byte[] payload) =>
        IngestAsync(source, normalizer, payload, SourcePayloads.MediaTypeOf(normalizer, payload));

    private async Task<MessageOutcome> IngestAsync(QueueSourceOptions source, IEventNormalizer normalizer, ReadOnlyMemory<byte> payload, string mediaType)
    {
        var result = await pipeline.IngestAsync(source.TenantId!, normalizer, payload, mediaType);
        return result.Status switch
        {
            IngestStatus.Accepted => new MessageOutcome(Verdict.Done, Events: result.Response!.Accepted, Unmapped: result.Response.Unmapped,
                Rejected: result.Response.Rejected.Length),
            IngestStatus.BodyRefused => new MessageOutcome(Verdict.Poison, $"{result.BodyError.Kind}: {result.BodyError.Detail}"),
            IngestStatus.NoValidEvents => new MessageOutcome(Verdict.Poison,
                $"no-valid-events: {result.Rejected!.Length} records rejected, the first: {result.Rejected[0].Error}", Rejected: result.Rejected.Length),
            IngestStatus.LargerThanBurst => new MessageOutcome(Verdict.Poison, $"batch-too-large: {result.Events} events, more than the tenant's burst"),
            IngestStatus.RateLimited => new MessageOutcome(Verdict.Retry, $"rate-limited: {result.Events} events over the tenant's rate"),
            IngestStatus.Overloaded => new MessageOutcome(Verdict.Retry, $"overloaded: {result.Reason}"),
            _ => new MessageOutcome(Verdict.Retry, "unavailable: the event queue or the unmapped list did not take the events"),
        };
    }

    private async Task<bool> TenantExistsAsync(string tenantId)
    {
        try
        {
            return await cluster.Reference<ITenantGrain>(tenantId).Exists();
        }
        catch (Exception e)
        {
            LogTenantCheckFailed(e, tenantId);
            return false;
        }
    }

    private async Task DeleteAsync(QueueSourceOptions source, List<DeleteMessageBatchRequestEntry> deletes)
    {
        if (deletes.Count == 0)
        {
            return;
        }

        try
        {
            var response = await _sqs.Value.DeleteMessageBatchAsync(new DeleteMessageBatchRequest(source.QueueUrl, deletes));
            foreach (var failed in response.Failed ?? [])
            {
                // Redelivered later and ingested again: its events are dropped by id downstream.
                LogDeleteFailed(null, source.QueueUrl!, failed.Id, failed.Message ?? failed.Code ?? "");
            }
        }
        catch (Exception e)
        {
            LogDeleteFailed(e, source.QueueUrl!, "batch", e.Message);
        }
    }

    /// <summary>Makes the messages of a receive abandoned at shutdown visible again at once, for the next reader.</summary>
    private async Task ReleaseLateAsync(QueueSourceOptions source, Task<ReceiveMessageResponse> receive)
    {
        try
        {
            var messages = (await receive).Messages ?? [];
            if (messages.Count == 0)
            {
                return;
            }

            var entries = new List<ChangeMessageVisibilityBatchRequestEntry>(messages.Count);
            for (var i = 0; i < messages.Count; i++)
            {
                entries.Add(new ChangeMessageVisibilityBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), messages[i].ReceiptHandle) { VisibilityTimeout = 0 });
            }

            await _sqs.Value.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest(source.QueueUrl, entries));
        }
        catch (Exception e)
        {
            LogReleaseFailed(e, source.QueueUrl!);
        }
    }

    private static async Task<bool> PauseAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(ReceiveErrorPause, stopping);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static int ReceiveCount(Message message) =>
        message.Attributes is { } attributes && attributes.TryGetValue(ReceiveCountAttribute, out var value)
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 1;

    /// <summary>
    /// Endpoints and region as the profiles read them (<c>AWS:SQS:ServiceURL</c>, <c>AWS:Region</c>). Against an
    /// endpoint override outside the Aws profile (the emulators) any key is accepted, and without one the SDK would
    /// look for a real profile; otherwise the SDK's credential chain applies.
    /// </summary>
    private static AmazonSQSClient CreateSqs(IConfiguration configuration)
    {
        var config = new AmazonSQSConfig();
        var credentials = Configure(config, configuration, configuration["AWS:SQS:ServiceURL"]);
        return credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(credentials, config);
    }

    private static AmazonS3Client CreateS3(IConfiguration configuration)
    {
        var serviceUrl = configuration["AWS:S3:ServiceURL"];
        // Emulators serve buckets by path, not by host name.
        var config = new AmazonS3Config { ForcePathStyle = serviceUrl is not null };
        var credentials = Configure(config, configuration, serviceUrl);
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private static BasicAWSCredentials? Configure(ClientConfig config, IConfiguration configuration, string? serviceUrl)
    {
        var region = configuration["AWS:Region"];
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (region is not null)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        }

        var emulated = serviceUrl is not null && configuration[Profiles.Setting] != Profiles.Aws;
        return emulated ? new BasicAWSCredentials("local", "local") : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Source {QueueUrl} ({Kind}, vendor {Vendor}, tenant {TenantId}): {Receivers} receivers")]
    private partial void LogSourceStarted(string queueUrl, string kind, string vendor, string tenantId, int receivers);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Source {QueueUrl}: {Messages} messages, {Events} events accepted ({Unmapped} unmapped), {Rejected} records rejected, {Left} messages left for redelivery, {Dropped} dropped")]
    private partial void LogBatch(string queueUrl, int messages, int events, int unmapped, int rejected, int left, int dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {QueueUrl}: receiving failed; trying again shortly")]
    private partial void LogReceiveFailed(Exception exception, string queueUrl);

    [LoggerMessage(Level = LogLevel.Error, Message = "Source tenant {TenantId} does not exist: {Messages} messages of {QueueUrl} left in the queue")]
    private partial void LogTenantMissing(string tenantId, string queueUrl, int messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source tenant {TenantId} could not be checked")]
    private partial void LogTenantCheckFailed(Exception exception, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {QueueUrl}: message {MessageId} (receive {ReceiveCount}) left for redelivery: {Reason}")]
    private partial void LogLeft(string queueUrl, string messageId, int receiveCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {QueueUrl}: message {MessageId} cannot be ingested (receive {ReceiveCount} of {MaxReceiveCount}): {Reason}")]
    private partial void LogUnusable(string queueUrl, string messageId, int receiveCount, int maxReceiveCount, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Source {QueueUrl}: message {MessageId} deleted unused after {ReceiveCount} receives: {Reason}")]
    private partial void LogDropped(string queueUrl, string messageId, int receiveCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {QueueUrl}: deleting {Entry} failed ({Error}); it will be received and ingested again")]
    private partial void LogDeleteFailed(Exception? exception, string queueUrl, string entry, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Source {QueueUrl}: messages received during shutdown could not be released")]
    private partial void LogReleaseFailed(Exception exception, string queueUrl);
}
