using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>
/// A real two-silo Orleans cluster (TestingHost) with in-process providers: Orleans' memory storage (its storage
/// grains are shared by the silos, where the Local profile's single silo keeps state in its own memory), memory
/// streams with implicit-only pub/sub, in-memory reminders. ASL waits are whole seconds, so the workflow clock runs
/// <see cref="WorkflowClockRate"/>× faster than the wall clock: the default workflow's first retry (8 s of workflow
/// time) comes after 500 ms, long enough for a test to act between two attempts, and the seed's state machine
/// (2 s, ×2, 7 attempts: 126 s) runs out of retries in 8 s. The seed's two Lambda ARNs are mapped to coaching steps.
/// Shared by the tests of one collection; every test uses its own tenant, so tests never see each other's data.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The test clusters' master key for channel secrets (bytes 0–31; a test key, not a secret).</summary>
    public const string SecretsKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    public const int WorkflowClockRate = 16;

    public const int RetryIntervalSeconds = 8;

    /// <summary>The first retry's wait in wall time: the retrier's interval on a clock running <see cref="WorkflowClockRate"/>× faster.</summary>
    public static readonly TimeSpan RetryInitialDelay = TimeSpan.FromSeconds(RetryIntervalSeconds) / WorkflowClockRate;

    public const int MaxAttempts = 4;

    public TestCluster Cluster { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        Webhooks = await WebhookReceiver.StartAsync();
        var builder = new TestClusterBuilder(2);
        builder.Properties["SecurityCoach:Coaching:RetryIntervalSeconds"] = RetryIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Properties["SecurityCoach:Workflow:Resources:0:Resource"] = Workflow.SeedStateMachineTests.CheckRules;
        builder.Properties["SecurityCoach:Workflow:Resources:0:Step"] = "coach:check-rules";
        builder.Properties["SecurityCoach:Workflow:Resources:1:Resource"] = Workflow.SeedStateMachineTests.Trigger;
        builder.Properties["SecurityCoach:Workflow:Resources:1:Step"] = "coach:deliver";
        builder.Properties["SecurityCoach:Workflow:Resources:1:FailureError"] = "AllNotificationsFailedException";
        builder.Properties["SecurityCoach:Coaching:RetryBackoffRate"] = "2";
        builder.Properties["SecurityCoach:Coaching:WorkflowClockRate"] = WorkflowClockRate.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Properties["SecurityCoach:Coaching:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Properties["SecurityCoach:Coaching:ChannelTimeout"] = "00:00:05";
        // The receivers these tests start are on loopback, which the outbound policy refuses unless allowed.
        builder.Properties["SecurityCoach:Outbound:AllowedNetworks:0"] = "127.0.0.0/8";
        // One master key for all the cluster's silos, so a secret sealed on one opens on another.
        builder.Properties["SecurityCoach:Secrets:LocalKey"] = SecretsKey;
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
            siloBuilder.AddOutgoingGrainCallFilter(CoachingCallLog.Invoke);
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

/// <summary>Every call a silo's grain made to a coaching grain (target and method), for tests that prove a call did not happen.</summary>
public static class CoachingCallLog
{
    private static readonly System.Collections.Concurrent.ConcurrentQueue<(GrainId Target, string Method)> Calls = new();

    public static Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod?.DeclaringType == typeof(ICoachingGrain))
        {
            Calls.Enqueue((context.TargetId, context.InterfaceMethod.Name));
        }

        return context.Invoke();
    }

    public static int Count(GrainId target, string method) => Calls.Count(c => c.Target == target && c.Method == method);
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
