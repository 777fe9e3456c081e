using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Registers in-process persistent stream providers (silo only: see <see cref="SiloInProcessStreamConfigurator"/>).</summary>
public static class InProcessStreamExtensions
{
    /// <summary>
    /// Adds a stream provider named <paramref name="name"/> whose queues are in this silo's memory; the configurator
    /// also sets pub/sub, the pulling agent and the cache.
    /// </summary>
    public static ISiloBuilder AddInProcessStreams(this ISiloBuilder builder, string name, Action<SiloInProcessStreamConfigurator>? configure = null)
    {
        var configurator = new SiloInProcessStreamConfigurator(name, configureServices => builder.ConfigureServices(configureServices));
        configure?.Invoke(configurator);
        return builder;
    }
}

/// <summary>
/// Silo-side configuration of one in-process stream provider. There is no client side: a batch is read by the silo
/// that holds it, so a cluster client's batches would be read by nobody.
/// </summary>
public sealed class SiloInProcessStreamConfigurator : SiloPersistentStreamConfigurator
{
    public SiloInProcessStreamConfigurator(string name, Action<Action<IServiceCollection>> configureServices)
        : base(name, configureServices, InProcessQueueAdapterFactory.Create)
    {
        this.ConfigurePartitionBalancing(OwnQueuesBalancer.Create);
        ConfigureDelegate(services =>
        {
            services.ConfigureNamedOptionForLogging<InProcessStreamOptions>(name);
            services.ConfigureNamedOptionForLogging<SimpleQueueCacheOptions>(name);
            services.AddTransient<IConfigurationValidator>(sp => SimpleQueueCacheOptionsValidator.Create(sp, name));
        });
    }

    /// <summary>Queues, their bound and the registration grace (e.g. <c>o =&gt; o.Configure(x =&gt; x.QueueCount = 4)</c>).</summary>
    public SiloInProcessStreamConfigurator ConfigureInProcess(Action<OptionsBuilder<InProcessStreamOptions>> configureOptions)
    {
        this.Configure(configureOptions);
        return this;
    }
}
