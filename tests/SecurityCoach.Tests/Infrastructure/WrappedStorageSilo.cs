using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using SecurityCoach.Storage;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>
/// A test silo whose default grain storage is the Local profile's <see cref="InProcessGrainStorage"/> seen through a
/// wrapper of the test's (one that counts writes, or injects another writer's), with memory streams (implicit-only
/// pub/sub), in-memory reminders and the product's grains.
/// </summary>
public abstract class WrappedStorageSiloConfigurator : ISiloConfigurator
{
    /// <summary>The storage the silo uses, around the in-process one.</summary>
    protected abstract IGrainStorage Wrap(IGrainStorage inProcess);

    public void Configure(ISiloBuilder siloBuilder)
    {
        siloBuilder.Services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
            (services, _) => Wrap(new InProcessGrainStorage(services.GetRequiredService<IGrainStorageSerializer>())));
        siloBuilder.AddMemoryStreams(SecurityEventStreams.ProviderName, s => s.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly));
        siloBuilder.UseInMemoryReminderService();
        siloBuilder.Services.AddSecurityCoachGrains(siloBuilder.Configuration);
    }
}

/// <summary>Passes every call to the storage it wraps; a test overrides the calls it watches or changes.</summary>
public abstract class DelegatingGrainStorage(IGrainStorage inner) : IGrainStorage
{
    protected IGrainStorage Inner => inner;

    public virtual Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public virtual Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.WriteStateAsync(stateName, grainId, grainState);

    public virtual Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>
/// A one-silo test cluster configured by a <see cref="WrappedStorageSiloConfigurator"/>, with a webhook receiver for
/// its coachings and the workflow clock 16× the wall clock; disposing it stops the silo and the receiver.
/// </summary>
public sealed class WrappedStorageCluster : IAsyncDisposable
{
    private WrappedStorageCluster(TestCluster cluster, WebhookReceiver webhooks)
    {
        Cluster = cluster;
        Webhooks = webhooks;
    }

    public TestCluster Cluster { get; }

    public WebhookReceiver Webhooks { get; }

    public IGrainFactory Grains => Cluster.GrainFactory;

    public static async Task<WrappedStorageCluster> StartAsync<TConfigurator>()
        where TConfigurator : WrappedStorageSiloConfigurator, new()
    {
        var webhooks = await WebhookReceiver.StartAsync();
        var builder = new TestClusterBuilder(1);
        builder.Properties["SecurityCoach:Coaching:WorkflowClockRate"] = "16";
        builder.Properties["SecurityCoach:Outbound:AllowedNetworks:0"] = "127.0.0.0/8";
        // One master key for all the cluster's silos, so a secret sealed on one opens on another.
        builder.Properties["SecurityCoach:Secrets:LocalKey"] = ClusterFixture.SecretsKey;
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        var started = new WrappedStorageCluster(builder.Build(), webhooks);
        try
        {
            await started.Cluster.DeployAsync();
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Webhooks.DisposeAsync();
    }
}
