using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>
/// A real two-silo Orleans cluster (TestingHost) with the Local profile's providers: memory storage, memory
/// streams with implicit-only pub/sub, in-memory reminders. The default workflow's retrier waits 2 s, ×2, as in
/// production, but the workflow clock runs 4× faster (<see cref="WorkflowClockRate"/>): the first retry comes after
/// 500 ms of wall time, long enough for a test to act between two attempts, so retry tests take seconds, not minutes.
/// Shared by the tests of one collection; every test uses its own tenant, so tests never see each other's data.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int WorkflowClockRate = 4;

    /// <summary>The first retry's wait in wall time: the retrier's 2 s on a clock running <see cref="WorkflowClockRate"/>× faster.</summary>
    public static readonly TimeSpan RetryInitialDelay = TimeSpan.FromSeconds(2) / WorkflowClockRate;

    public const int MaxAttempts = 4;

    public TestCluster Cluster { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        Webhooks = await WebhookReceiver.StartAsync();
        var builder = new TestClusterBuilder(2);
        builder.Properties["SecurityCoach:Coaching:RetryIntervalSeconds"] = "2";
        builder.Properties["SecurityCoach:Coaching:RetryBackoffRate"] = "2";
        builder.Properties["SecurityCoach:Coaching:WorkflowClockRate"] = WorkflowClockRate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Properties["SecurityCoach:Coaching:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Properties["SecurityCoach:Coaching:ChannelTimeout"] = "00:00:05";
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Webhooks.DisposeAsync();
    }

    /// <summary>Publishes one batch to a user's stream from the client, as the ingest API does.</summary>
    public Task Publish(params SecurityEvent[] events)
    {
        var first = events[0];
        var stream = Cluster.Client.GetStreamProvider(SecurityEventStreams.ProviderName)
            .GetStream<SecurityEventBatch>(SecurityEventStreams.ForUser(first.TenantId, first.UserKey));
        return stream.OnNextAsync(new SecurityEventBatch(events));
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMemoryGrainStorageAsDefault();
            siloBuilder.AddMemoryStreams(SecurityEventStreams.ProviderName, s => s.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly));
            siloBuilder.UseInMemoryReminderService();
            siloBuilder.Services.AddSecurityCoachGrains(siloBuilder.Configuration);
            siloBuilder.AddOutgoingGrainCallFilter(FlakyCoachingStart.Invoke);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.AddMemoryStreams(SecurityEventStreams.ProviderName, s => s.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly));
    }
}

/// <summary>
/// Fault injection: the first Start of a coaching for <see cref="UserKey"/> fails, as a storage or network fault
/// would, after the user grain has already taken the batch's events into its state.
/// </summary>
public static class FlakyCoachingStart
{
    public const string UserKey = "flaky-start@example.com";

    private static int _failed;

    public static Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(ICoachingGrain.Start)
            && context.Request.GetArgument(0) is CoachingRequest { UserKey: UserKey }
            && Interlocked.Exchange(ref _failed, 1) == 0)
        {
            throw new InvalidOperationException("injected: the first coaching start of " + UserKey + " fails");
        }

        return context.Invoke();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
