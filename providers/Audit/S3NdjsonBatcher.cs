using System.Buffers;
using System.Diagnostics.Metrics;
using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Audit;

/// <summary>
/// Buffers UTF-8 JSON lines per partition (a tenant, say) and writes each partition's lines as one NDJSON object
/// per flush: when a partition's buffer passes <see cref="S3NdjsonBatcherOptions.FlushBytes"/>, every
/// <see cref="S3NdjsonBatcherOptions.FlushInterval"/>, and on stop/dispose. A failed upload stays buffered and is
/// retried, under the same key, on the next flush; memory is bounded by
/// <see cref="S3NdjsonBatcherOptions.MaxBufferedBytes"/>, past which the oldest batches are dropped.
/// <see cref="Append"/> never blocks on S3 and never throws.
/// </summary>
public sealed partial class S3NdjsonBatcher : IHostedService, IAsyncDisposable
{
    /// <summary>Lines dropped because the buffer cap was reached while uploads failed.</summary>
    public const string DroppedName = "securitycoach.audit.records.dropped";

    /// <summary>Uploads that failed (their lines stay buffered for the next flush).</summary>
    public const string UploadFailuresName = "securitycoach.audit.uploads.failed";

    private static readonly Meter Meter = new(Streaming.SqsStreamMetrics.MeterName);
    private static readonly Counter<long> Dropped = Meter.CreateCounter<long>(DroppedName, "{record}", "Audit lines dropped at the buffer cap.");
    private static readonly Counter<long> UploadFailures = Meter.CreateCounter<long>(UploadFailuresName, "{object}", "Audit object uploads that failed.");

    private readonly S3NdjsonBatcherOptions _options;
    private readonly OwnedClient<IAmazonS3> _s3;
    private readonly TimeProvider _time;
    private readonly ILogger<S3NdjsonBatcher> _logger;
    private readonly string _instance;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Batch> _open = new(StringComparer.Ordinal);
    // Sealed batches in the order they were sealed: uploads and drops both take the oldest first.
    private readonly LinkedList<Batch> _sealed = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private long _bufferedBytes;
    private long _sequence;
    private ITimer? _timer;
    private bool _disposed;

    public S3NdjsonBatcher(S3NdjsonBatcherOptions options, IServiceProvider services, TimeProvider time, ILogger<S3NdjsonBatcher> logger)
        : this(options, DynamoDBClients.S3(services, nameof(S3NdjsonBatcher), options.ServiceURL, options.Region, options.Credentials), time, logger)
    {
    }

    internal S3NdjsonBatcher(S3NdjsonBatcherOptions options, OwnedClient<IAmazonS3> s3, TimeProvider time, ILogger<S3NdjsonBatcher> logger)
    {
        new S3NdjsonBatcherOptionsValidator(options).ValidateConfiguration();
        _options = options;
        _s3 = s3;
        _time = time;
        _logger = logger;
        _instance = options.InstanceId
            ?? $"{Environment.MachineName.ToLowerInvariant()}-{time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Bytes buffered now (open and waiting batches).</summary>
    public long BufferedBytes
    {
        get
        {
            lock (_lock)
            {
                return _bufferedBytes;
            }
        }
    }

    /// <summary>Creates the bucket when asked to, then starts the flush timer.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.CreateIfNotExists)
        {
            try
            {
                await _s3.Client.PutBucketAsync(new PutBucketRequest { BucketName = _options.BucketName }, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // Created by an earlier run or another silo.
            }
        }

        StartTimer();
    }

    /// <summary>Stops the timer and writes everything buffered.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        await FlushAsync(cancellationToken);
    }

    /// <summary>Arms the flush timer (<see cref="StartAsync"/> does it; exposed for tests that skip bucket creation).</summary>
    internal void StartTimer() =>
        _timer ??= _time.CreateTimer(static state => ((S3NdjsonBatcher)state!).FlushInBackground(sealOpen: true), this, _options.FlushInterval, _options.FlushInterval);

    /// <summary>Adds one line (a JSON value without its newline) to the partition's buffer.</summary>
    public void Append(string partition, ReadOnlySpan<byte> jsonLine)
    {
        var flushNow = false;
        lock (_lock)
        {
            if (_disposed)
            {
                Dropped.Add(1);
                return;
            }

            var now = _time.GetUtcNow();
            var hour = now.Ticks - now.Ticks % TimeSpan.TicksPerHour;
            if (_open.TryGetValue(partition, out var batch) && batch.HourTicks != hour)
            {
                // One object never spans two hours: the key names the hour of every line in it.
                Seal(batch);
                batch = null;
            }

            if (batch is null)
            {
                _open[partition] = batch = new Batch(partition, hour);
            }

            var before = batch.Length;
            batch.Write(jsonLine);
            _bufferedBytes += batch.Length - before;
            if (batch.Length >= _options.FlushBytes)
            {
                Seal(batch);
                flushNow = true;
            }

            if (_bufferedBytes > _options.MaxBufferedBytes)
            {
                DropOldest();
            }
        }

        if (flushNow)
        {
            FlushInBackground(sealOpen: false);
        }
    }

    /// <summary>Writes every buffered line now; a failed upload is kept for the next flush.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushCoreAsync(sealOpen: true, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _timer?.Dispose();
        await FlushAsync();
        lock (_lock)
        {
            _disposed = true;
            foreach (var batch in _sealed)
            {
                Dropped.Add(batch.Lines);
                LogDroppedAtShutdown(batch.Key, batch.Lines);
                batch.Release();
            }

            _sealed.Clear();
        }

        // The semaphore is not disposed: a size-triggered flush racing with disposal may still take it.
        _s3.Release();
    }

    /// <summary>
    /// Starts a flush unless one is running: the running one uploads what has been sealed meanwhile, and the timer
    /// seals the rest at its next tick, so a slow S3 never piles up waiting flushes.
    /// </summary>
    private void FlushInBackground(bool sealOpen)
    {
        if (_flushing.Wait(0))
        {
            _ = UploadAsync(sealOpen, CancellationToken.None);
        }
    }

    private async Task FlushCoreAsync(bool sealOpen, CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        await UploadAsync(sealOpen, cancellationToken);
    }

    /// <summary>Uploads the sealed batches in order until one fails; the caller holds <see cref="_flushing"/>.</summary>
    private async Task UploadAsync(bool sealOpen, CancellationToken cancellationToken)
    {
        try
        {
            while (NextToUpload(sealOpen) is { } batch)
            {
                sealOpen = false;
                try
                {
                    using var body = new MemoryStream(batch.Buffer, 0, batch.Length, writable: false);
                    await _s3.Client.PutObjectAsync(new PutObjectRequest
                    {
                        BucketName = _options.BucketName,
                        Key = batch.Key,
                        InputStream = body,
                        ContentType = "application/x-ndjson",
                        AutoCloseStream = false,
                    }, cancellationToken);
                }
                catch (Exception e)
                {
                    UploadFailures.Add(1);
                    LogUploadFailed(e, batch.Key, batch.Lines);
                    lock (_lock)
                    {
                        batch.Uploading = false;
                        if (batch.Dropped)
                        {
                            batch.Release();
                        }
                    }

                    // The rest would most likely fail the same way; the next flush retries them in order.
                    return;
                }

                lock (_lock)
                {
                    batch.Uploading = false;
                    if (!batch.Dropped)
                    {
                        _sealed.Remove(batch);
                        _bufferedBytes -= batch.Length;
                    }

                    batch.Release();
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private Batch? NextToUpload(bool sealOpen)
    {
        lock (_lock)
        {
            if (sealOpen)
            {
                foreach (var open in _open.Values)
                {
                    SealCore(open);
                }

                _open.Clear();
            }

            if (_sealed.First?.Value is not { } next)
            {
                return null;
            }

            next.Uploading = true;
            return next;
        }
    }

    private void Seal(Batch batch)
    {
        _open.Remove(batch.Partition);
        SealCore(batch);
    }

    /// <summary>
    /// Deletes the partition's objects of hours that ended before <paramref name="before"/> (keys
    /// <c>{prefix}{partition}/{yyyy}/{MM}/{dd}/{HH}/…</c>); a key that does not read as an hour is left alone.
    /// Returns how many objects were deleted.
    /// </summary>
    public async Task<int> DeleteOlderThanAsync(string partition, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var prefix = $"{_options.KeyPrefix}{partition}/";
        var expired = new List<string>();
        string? token = null;
        do
        {
            var page = await _s3.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.BucketName, Prefix = prefix, ContinuationToken = token }, cancellationToken);
            foreach (var entry in page.S3Objects ?? [])
            {
                var hour = entry.Key.AsSpan(prefix.Length);
                if (hour.Length > 13 && DateTime.TryParseExact(hour[..13], "yyyy/MM/dd/HH", CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var start) && start.AddHours(1) <= before.UtcDateTime)
                {
                    expired.Add(entry.Key);
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        foreach (var chunk in expired.Chunk(1000))
        {
            await _s3.Client.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = _options.BucketName,
                Objects = [.. chunk.Select(key => new KeyVersion { Key = key })],
            }, cancellationToken);
        }

        return expired.Count;
    }

    private void SealCore(Batch batch)
    {
        var hour = new DateTime(batch.HourTicks, DateTimeKind.Utc);
        var sequence = ++_sequence;
        batch.Key = string.Create(CultureInfo.InvariantCulture,
            $"{_options.KeyPrefix}{batch.Partition}/{hour:yyyy}/{hour:MM}/{hour:dd}/{hour:HH}/{_instance}-{sequence:D8}.ndjson");
        _sealed.AddLast(batch);
    }

    private void DropOldest()
    {
        // Everything open is sealed first so the drop can take the oldest lines whichever partition they are in.
        foreach (var open in _open.Values)
        {
            SealCore(open);
        }

        _open.Clear();
        while (_bufferedBytes > _options.MaxBufferedBytes && _sealed.First?.Value is { } oldest)
        {
            _sealed.RemoveFirst();
            _bufferedBytes -= oldest.Length;
            oldest.Dropped = true;
            Dropped.Add(oldest.Lines);
            LogDropped(oldest.Key, oldest.Lines, _options.MaxBufferedBytes);
            if (!oldest.Uploading)
            {
                oldest.Release();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "S3 NDJSON batcher: upload of {Key} ({Lines} lines) failed; kept for the next flush")]
    private partial void LogUploadFailed(Exception exception, string key, int lines);

    [LoggerMessage(Level = LogLevel.Error, Message = "S3 NDJSON batcher: dropped {Key} ({Lines} lines): more than {MaxBufferedBytes} bytes buffered while uploads fail")]
    private partial void LogDropped(string key, int lines, long maxBufferedBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "S3 NDJSON batcher: {Key} ({Lines} lines) could not be uploaded before shutdown; dropped")]
    private partial void LogDroppedAtShutdown(string key, int lines);

    /// <summary>The lines of one partition that go into one object, in a pooled buffer.</summary>
    private sealed class Batch(string partition, long hourTicks)
    {
        public string Partition { get; } = partition;

        public long HourTicks { get; } = hourTicks;

        public string Key { get; set; } = "";

        public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(4096);

        public int Length { get; private set; }

        public int Lines { get; private set; }

        public bool Uploading { get; set; }

        public bool Dropped { get; set; }

        public void Write(ReadOnlySpan<byte> line)
        {
            var needed = Length + line.Length + 1;
            if (needed > Buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Buffer.Length * 2));
                Buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = larger;
            }

            line.CopyTo(Buffer.AsSpan(Length));
            Buffer[needed - 1] = (byte)'\n';
            Length = needed;
            Lines++;
        }

        public void Release()
        {
            if (Buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = [];
            }
        }
    }
}
