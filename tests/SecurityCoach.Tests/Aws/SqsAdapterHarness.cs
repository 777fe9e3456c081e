using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Streams;
using SecurityCoach.Providers.Aws.Internal;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// One SQS stream provider's adapter and a receiver per queue, driven by hand the way the pulling agent drives them,
/// against fauxqs. Every harness has its own queue prefix, so tests never share queues.
/// </summary>
internal sealed class SqsAdapterHarness : IAsyncDisposable
{
    public const string Bucket = "sqs-stream-tests";

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(SqsStreamOptions).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private readonly SqsQueueAdapterFactory _factory;
    private bool _shutDown;

    private SqsAdapterHarness(SqsQueueAdapterFactory factory, IQueueAdapter adapter, Dictionary<QueueId, SqsQueueAdapterReceiver> receivers)
    {
        _factory = factory;
        Adapter = adapter;
        Receivers = receivers;
    }

    public string Name => _factory.Name;

    public IQueueAdapter Adapter { get; }

    public Dictionary<QueueId, SqsQueueAdapterReceiver> Receivers { get; }

    public IStreamQueueMapper Mapper => _factory.GetStreamQueueMapper();

    public static SqsStreamOptions Options(LocalAwsFixture aws) => new()
    {
        ServiceURL = aws.SqsServiceUrl.ToString(),
        Region = LocalAwsFixture.Region,
        Credentials = LocalAwsFixture.Credentials,
        QueueNamePrefix = $"t-{Guid.NewGuid():N}",
        QueueCount = 4,
        CreateIfNotExists = true,
        ReceiveWaitTime = TimeSpan.FromSeconds(1),
        VisibilityTimeout = TimeSpan.FromSeconds(2),
        MaxReceiveCount = 3,
        S3BucketName = Bucket,
        S3ServiceURL = aws.S3ServiceUrl.ToString(),
    };

    public static string NewName() => $"sqs-{Guid.NewGuid():N}";

    public static async Task<SqsAdapterHarness> StartAsync(SqsStreamOptions options, string? name = null, ISqsAcknowledgementGate? gate = null)
    {
        name ??= NewName();
        new SqsStreamOptionsValidator(options, name).ValidateConfiguration();
        var services = new ServiceCollection().BuildServiceProvider();
        var factory = new SqsQueueAdapterFactory(
            name,
            options,
            new SimpleQueueCacheOptions(),
            new StreamPullingAgentOptions(),
            "tests",
            SqsClients.Sqs(services, name, options),
            DynamoDBClients.S3(services, name, options.S3ServiceURL, options.Region, options.Credentials),
            Serializer,
            NullLoggerFactory.Instance,
            TimeProvider.System,
            gate);
        var adapter = await factory.CreateAdapter(CancellationToken.None);
        var receivers = new Dictionary<QueueId, SqsQueueAdapterReceiver>();
        foreach (var queueId in factory.GetStreamQueueMapper().GetAllQueues())
        {
            var receiver = (SqsQueueAdapterReceiver)adapter.CreateReceiver(queueId);
            await receiver.Initialize(TimeSpan.FromSeconds(10), CancellationToken.None);
            receivers[queueId] = receiver;
        }

        return new SqsAdapterHarness(factory, adapter, receivers);
    }

    public Task<SqsQueue> Queue(QueueId queueId) => _factory.Queues.GetAsync(queueId, CancellationToken.None);

    public Task Send<T>(StreamId stream, params T[] events) => Adapter.QueueMessageBatchAsync(stream, events, null, []);

    /// <summary>Polls every receiver until <paramref name="count"/> batches arrived (or the time is up), keeping them per queue in arrival order.</summary>
    public async Task<Dictionary<QueueId, List<IBatchContainer>>> ReceiveAsync(int count, TimeSpan within)
    {
        var received = Receivers.Keys.ToDictionary(q => q, _ => new List<IBatchContainer>());
        var deadline = DateTime.UtcNow + within;
        while (received.Values.Sum(b => b.Count) < count && DateTime.UtcNow < deadline)
        {
            await Task.WhenAll(Receivers.Select(async pair => received[pair.Key].AddRange(await pair.Value.GetQueueMessagesAsync(10, CancellationToken.None))));
        }

        return received;
    }

    public async Task DeliverAsync(Dictionary<QueueId, List<IBatchContainer>> received)
    {
        foreach (var (queueId, batches) in received)
        {
            await Receivers[queueId].MessagesDeliveredAsync(batches, CancellationToken.None);
        }
    }

    /// <summary>Visible + in flight messages of a queue, as SQS counts them.</summary>
    public static async Task<int> MessagesIn(LocalAwsFixture aws, string queueUrl)
    {
        var attributes = (await aws.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        })).Attributes ?? [];
        return int.Parse(attributes["ApproximateNumberOfMessages"], System.Globalization.CultureInfo.InvariantCulture)
            + int.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ShutdownAsync()
    {
        if (_shutDown)
        {
            return;
        }

        _shutDown = true;
        foreach (var receiver in Receivers.Values)
        {
            await receiver.Shutdown(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ShutdownAsync();
        _factory.Dispose();
    }
}
