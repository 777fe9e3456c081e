using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Configuration.Overrides;
using Orleans.Serialization;
using Orleans.Streams;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// Builds the pieces of one SQS stream provider: the queue mapper (a hash ring over <see cref="SqsStreamOptions.QueueCount"/>
/// queues), a bounded in-memory cache per queue, the adapter (producer) and one receiver per queue a silo owns.
/// </summary>
internal sealed partial class SqsQueueAdapterFactory : IQueueAdapterFactory, IDisposable
{
    private readonly OwnedClient<IAmazonSQS> _sqs;
    private readonly OwnedClient<IAmazonS3>? _s3;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly HashRingBasedStreamQueueMapper _mapper;
    private readonly RegistrationAwareQueueAdapterCache _cache;
    private readonly IStreamFailureHandler _failureHandler;
    private int _activeReceivers;

    internal SqsQueueAdapterFactory(
        string name,
        SqsStreamOptions options,
        SimpleQueueCacheOptions cacheOptions,
        StreamPullingAgentOptions agentOptions,
        string serviceId,
        OwnedClient<IAmazonSQS> sqs,
        OwnedClient<IAmazonS3>? s3,
        Serializer serializer,
        ILoggerFactory loggerFactory,
        TimeProvider time,
        ISqsAcknowledgementGate? gate = null)
    {
        Name = name;
        Gate = gate;
        if (gate is not null && options.AcknowledgeInterval > options.VisibilityTimeout / 2)
        {
            // A message must be confirmed and deleted well within the heartbeat's reach.
            throw new OrleansConfigurationException(
                $"SQS stream provider '{name}': with an acknowledgement gate, AcknowledgeInterval ({options.AcknowledgeInterval}) must be at most half the VisibilityTimeout ({options.VisibilityTimeout}).");
        }

        Options = options;
        _sqs = sqs;
        _s3 = s3;
        _loggerFactory = loggerFactory;
        _time = time;
        var prefix = options.QueueNamePrefix ?? SqsQueues.DefaultPrefix(serviceId, name);
        Queues = new SqsQueues(name, prefix, options, sqs.Client, loggerFactory.CreateLogger<SqsQueues>());
        Codec = new SqsMessageCodec(name, options, serializer, s3);
        _mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = options.QueueCount }, prefix);
        _cache = new RegistrationAwareQueueAdapterCache(cacheOptions, agentOptions, options.StreamRegistrationGrace, time, loggerFactory);
        _failureHandler = new LoggingDeliveryFailureHandler(name, "its SQS message is not acknowledged",
            loggerFactory.CreateLogger<LoggingDeliveryFailureHandler>());
    }

    public string Name { get; }

    public SqsStreamOptions Options { get; }

    internal SqsQueues Queues { get; }

    internal SqsMessageCodec Codec { get; }

    internal IAmazonSQS Sqs => _sqs.Client;

    internal TimeProvider Time => _time;

    /// <summary>Confirms that consumers persisted what they were delivered before messages are deleted; none: deleted on delivery.</summary>
    internal ISqsAcknowledgementGate? Gate { get; }

    /// <summary>Receivers initialized and not shut down: the queues this silo reads now.</summary>
    internal int ActiveReceivers => Volatile.Read(ref _activeReceivers);

    public static SqsQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<SqsStreamOptions>>().Get(name);
        var s3 = options.S3BucketName is null ? null : DynamoDBClients.S3(services, name, options.S3ServiceURL, options.Region, options.Credentials);
        return new SqsQueueAdapterFactory(
            name,
            options,
            services.GetOptionsByName<SimpleQueueCacheOptions>(name),
            services.GetOptionsByName<StreamPullingAgentOptions>(name),
            services.GetProviderClusterOptions(name).Value.ServiceId,
            SqsClients.Sqs(services, name, options),
            s3,
            services.GetRequiredService<Serializer>(),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetKeyedService<ISqsAcknowledgementGate>(name));
    }

    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
    {
        // Every queue up front (created when allowed), so a missing queue or a wrong endpoint fails start-up
        // instead of the first publish.
        foreach (var queueId in _mapper.GetAllQueues())
        {
            await Queues.GetAsync(queueId, cancellationToken);
        }

        if (_s3 is not null && Options.CreateIfNotExists)
        {
            try
            {
                await _s3.Client.PutBucketAsync(new PutBucketRequest { BucketName = Options.S3BucketName }, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // Created by another silo, a client or infrastructure code.
            }
        }

        return new SqsQueueAdapter(this, _mapper);
    }

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => Task.FromResult(_failureHandler);

    internal SqsQueueAdapterReceiver CreateReceiver(QueueId queueId) =>
        new(this, queueId, _loggerFactory.CreateLogger<SqsQueueAdapterReceiver>(), _time);

    internal void ReceiverStarted() => Interlocked.Increment(ref _activeReceivers);

    internal void ReceiverStopped() => Interlocked.Decrement(ref _activeReceivers);

    public void Dispose()
    {
        _sqs.Release();
        _s3?.Release();
    }
}
