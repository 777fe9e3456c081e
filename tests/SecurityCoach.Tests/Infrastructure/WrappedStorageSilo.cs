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
