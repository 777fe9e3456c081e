using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Serialization;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// A persistent stream provider whose queues are in the silo's own memory: a published batch is put, as the object
/// the producer gave (Orleans-copied unless immutable), on one of <see cref="InProcessStreamOptions.QueueCount"/>
/// queues, and the silo's pulling agents take it from there. Orleans' memory streams do the same through grains: every
/// publish a grain call to a queue grain with the batch serialized, every read another call, the batch copied into a
/// pooled cache and deserialized at delivery.
/// Invariants:
/// - A batch stays in the silo that published it, and that silo reads every queue (<see cref="OwnQueuesBalancer"/>):
///   nothing waits for a silo that does not hold it. A cluster client cannot publish (its batches would be read by
///   nobody), so there is only a silo-side registration.
/// - Per stream, batches are delivered in the order they were queued on their silo (a stream maps to one queue,
///   which one agent of the silo reads).
/// - A queue holds at most <see cref="InProcessStreamOptions.MaxQueuedBatches"/>; a publish beyond fails at once, so
///   the producer can refuse its caller (ingest answers 503) instead of the silo growing without bound.
/// - The cache purges a batch only when every cursor has passed it and no stream is still registering
///   (<see cref="RegistrationAwareQueueCache"/>, up to its grace): a new stream's first batch is not dropped undelivered.
/// - Nothing outlives the silo: batches not yet delivered when it stops are gone, as with memory streams.
/// </summary>
internal sealed class InProcessQueueAdapterFactory : IQueueAdapterFactory, IQueueAdapter
{
    private readonly HashRingBasedStreamQueueMapper _mapper;
    private readonly RegistrationAwareQueueAdapterCache _cache;
    private readonly IStreamFailureHandler _failureHandler;
    private readonly DeepCopier _copier;
    private readonly Dictionary<QueueId, InProcessQueue> _queues;

    internal InProcessQueueAdapterFactory(
        string name,
        InProcessStreamOptions options,
        SimpleQueueCacheOptions cacheOptions,
        StreamPullingAgentOptions agentOptions,
        DeepCopier copier,
        ILoggerFactory loggerFactory,
        TimeProvider time)
    {
        options.Validate(name);
        Name = name;
        Options = options;
        _copier = copier;
        _mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = options.QueueCount }, name);
        _queues = _mapper.GetAllQueues().ToDictionary(queue => queue, _ => new InProcessQueue());
        _cache = new RegistrationAwareQueueAdapterCache(cacheOptions, agentOptions, options.StreamRegistrationGrace, time, loggerFactory);
        _failureHandler = new LoggingDeliveryFailureHandler(name, "its events are dropped (the in-process queue keeps no copy)",
            loggerFactory.CreateLogger<LoggingDeliveryFailureHandler>());
        InProcessStreamMetrics.Track(this);
    }

    public static InProcessQueueAdapterFactory Create(IServiceProvider services, string name) => new(
        name,
        services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<InProcessStreamOptions>>().Get(name),
        services.GetOptionsByName<SimpleQueueCacheOptions>(name),
        services.GetOptionsByName<StreamPullingAgentOptions>(name),
        services.GetRequiredService<DeepCopier>(),
        services.GetRequiredService<ILoggerFactory>(),
        services.GetService<TimeProvider>() ?? TimeProvider.System);

    public string Name { get; }

    internal InProcessStreamOptions Options { get; }

    // Delivered batches are not kept anywhere: a consumer cannot ask for events from an earlier token.
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    /// <summary>Batches queued and not yet read by a pulling agent, over all queues (<see cref="InProcessStreamMetrics"/>).</summary>
    internal int Queued => _queues.Values.Sum(queue => queue.Count);

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken) => CreateAdapter();

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult(_failureHandler);

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new InProcessQueueReceiver(_queues[queueId]);

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
        {
            return Task.FromException(new ArgumentException("In-process streams are not rewindable: a sequence token cannot be given when producing.", nameof(token)));
        }

        var items = new List<object>();
        foreach (var item in events)
        {
            // The consumer gets the object itself, so one the producer could still change is copied as a grain call
            // would copy it; an [Immutable] one (SecurityEventBatch) is passed as it is, which is the point.
            items.Add(_copier.Copy<object>(item!));
        }

        if (items.Count == 0)
        {
            return Task.CompletedTask;
        }

        var queueId = _mapper.GetQueueForStream(streamId);
        var batch = new StreamBatchContainer(streamId, items, requestContext is { Count: > 0 } ? requestContext : null);
        if (!_queues[queueId].TryAdd(batch, Options.MaxQueuedBatches))
        {
            return Task.FromException(new InvalidOperationException(
                $"In-process stream queue {queueId} of provider '{Name}' holds {Options.MaxQueuedBatches} batches (MaxQueuedBatches): its consumers are behind; publish again later."));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The backlog of the in-process stream providers as a gauge (meter <see cref="SqsStreamMetrics.MeterName"/>, tag
/// <c>provider</c>): batches published and not yet taken by a pulling agent. It grows when the consumers fall behind
/// and nears <see cref="InProcessStreamOptions.MaxQueuedBatches"/> × queues before publishes are refused.
/// </summary>
internal static class InProcessStreamMetrics
{
    public const string QueuedName = "securitycoach.streams.in_process.queued";

    // Weak: a provider whose silo is gone stops being observed once it is collected.
    private static readonly ConditionalWeakTable<InProcessQueueAdapterFactory, object?> Providers = new();

    // Never read: creating it (with the type, at the first Track) is what publishes the gauge on the meter.
    private static readonly ObservableGauge<int> Queued = SqsStreamMetrics.Meter.CreateObservableGauge(QueuedName, Observe, "{batch}",
        "Batches waiting in the silo's in-process stream queues.");

    public static void Track(InProcessQueueAdapterFactory provider) => Providers.AddOrUpdate(provider, null);

    private static IEnumerable<Measurement<int>> Observe()
    {
        foreach (var (provider, _) in Providers)
        {
            yield return new Measurement<int>(provider.Queued, new KeyValuePair<string, object?>("provider", provider.Name));
        }
    }
}

/// <summary>One queue: many producers, one reader (its pulling agent).</summary>
internal sealed class InProcessQueue
{
    private readonly ConcurrentQueue<StreamBatchContainer> _batches = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Queues the batch unless the queue already holds <paramref name="limit"/>.</summary>
    public bool TryAdd(StreamBatchContainer batch, int limit)
    {
        if (Interlocked.Increment(ref _count) > limit)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        _batches.Enqueue(batch);
        return true;
    }

    public bool TryTake(out StreamBatchContainer batch)
    {
        if (!_batches.TryDequeue(out batch!))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }
}

/// <summary>
/// The pulling agent's side of one <see cref="InProcessQueue"/>. Taking a batch hands the only copy to the agent's
/// cache, so there is nothing to acknowledge afterwards; the sequence numbers grow per queue, which is the order the
/// cache and its cursors rely on.
/// </summary>
internal sealed class InProcessQueueReceiver(InProcessQueue queue) : IQueueAdapterReceiver
{
    /// <summary>Batches per read when the cache sets no limit.</summary>
    private const int DefaultReadCount = 1_000;

    private long _sequence;

    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var limit = maxCount > 0 ? maxCount : DefaultReadCount;
        var batches = new List<IBatchContainer>();
        while (batches.Count < limit && queue.TryTake(out var batch))
        {
            batch.Token = new EventSequenceTokenV2(++_sequence);
            batches.Add(batch);
        }

        return Task.FromResult<IList<IBatchContainer>>(batches);
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;

    public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Every silo reads every queue of an in-process provider: the queues of a silo hold only what that silo published,
/// so Orleans' balancers, which give each queue to one silo of the cluster, would leave the rest unread.
/// </summary>
internal sealed class OwnQueuesBalancer : IStreamQueueBalancer
{
    private QueueId[] _queues = [];

    public static IStreamQueueBalancer Create(IServiceProvider services, string name) => new OwnQueuesBalancer();

    public Task Initialize(IStreamQueueMapper queueMapper)
    {
        _queues = [.. queueMapper.GetAllQueues()];
        return Task.CompletedTask;
    }

    public Task Shutdown() => Task.CompletedTask;

    public IEnumerable<QueueId> GetMyQueues() => _queues;

    // The assignment never changes, so there is nothing to tell a listener.
    public bool SubscribeToQueueDistributionChangeEvents(IStreamQueueBalanceListener observer) => true;

    public bool UnSubscribeFromQueueDistributionChangeEvents(IStreamQueueBalanceListener observer) => true;
}

/// <summary>Options of an in-process stream provider (<c>AddInProcessStreams</c>).</summary>
public sealed class InProcessStreamOptions
{
    /// <summary>Queues, each read by one pulling agent of the silo. Default 8.</summary>
    public int QueueCount { get; set; } = HashRingStreamQueueMapperOptions.DEFAULT_NUM_QUEUES;

    /// <summary>
    /// Batches a queue holds before a publish fails. Default 16,384 (what Orleans' memory streams keep per queue):
    /// at 1.1 events a batch and ≈ 3 KB an event ≈ 50 MB a queue when consumers stall.
    /// </summary>
    public int MaxQueuedBatches { get; set; } = 16_384;

    /// <summary>How long the cache holds purging back for a stream whose consumers are still being looked up (a stream nobody consumes).</summary>
    public TimeSpan StreamRegistrationGrace { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate(string name)
    {
        if (QueueCount < 1 || MaxQueuedBatches < 1 || StreamRegistrationGrace <= TimeSpan.Zero)
        {
            throw new Orleans.Runtime.OrleansConfigurationException(
                $"In-process stream provider '{name}': QueueCount ({QueueCount}) and MaxQueuedBatches ({MaxQueuedBatches}) must be at least 1 and StreamRegistrationGrace ({StreamRegistrationGrace}) positive.");
        }
    }
}
