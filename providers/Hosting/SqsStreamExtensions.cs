using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Registers SQS persistent stream providers on silos and clients (same name and options on both).</summary>
public static class SqsStreamExtensions
{
    /// <summary>Adds an SQS stream provider named <paramref name="name"/> to a silo.</summary>
    public static ISiloBuilder AddSqsStreams(this ISiloBuilder builder, string name, Action<SqsStreamOptions> configureOptions) =>
        builder.AddSqsStreams(name, configurator => configurator.ConfigureSqs(options => options.Configure(configureOptions)));

    /// <summary>Adds an SQS stream provider to a silo; the configurator also sets pub/sub, cache, pulling agent and balancer.</summary>
    public static ISiloBuilder AddSqsStreams(this ISiloBuilder builder, string name, Action<SiloSqsStreamConfigurator> configure)
    {
        configure(new SiloSqsStreamConfigurator(name, configureServices => builder.ConfigureServices(configureServices)));
        return builder;
    }

    /// <summary>Adds an SQS stream provider named <paramref name="name"/> to a client (producer side).</summary>
    public static IClientBuilder AddSqsStreams(this IClientBuilder builder, string name, Action<SqsStreamOptions> configureOptions) =>
        builder.AddSqsStreams(name, configurator => configurator.ConfigureSqs(options => options.Configure(configureOptions)));

    /// <summary>Adds an SQS stream provider to a client; the configurator also sets pub/sub.</summary>
    public static IClientBuilder AddSqsStreams(this IClientBuilder builder, string name, Action<ClientSqsStreamConfigurator> configure)
    {
        configure(new ClientSqsStreamConfigurator(name, builder));
        return builder;
    }

    internal static void AddSqsServices(IServiceCollection services, string name)
    {
        services.ConfigureNamedOptionForLogging<SqsStreamOptions>(name);
        services.AddTransient<IConfigurationValidator>(sp =>
            new SqsStreamOptionsValidator(sp.GetRequiredService<IOptionsMonitor<SqsStreamOptions>>().Get(name), name));
    }
}

/// <summary>Silo-side configuration of one SQS stream provider.</summary>
public sealed class SiloSqsStreamConfigurator : SiloPersistentStreamConfigurator
{
    public SiloSqsStreamConfigurator(string name, Action<Action<IServiceCollection>> configureServices)
        : base(name, configureServices, SqsQueueAdapterFactory.Create)
    {
        // Queues spread evenly over the silos; a later ConfigurePartitionBalancing replaces it.
        this.ConfigurePartitionBalancing(EvenQueueBalancer.Create);
        ConfigureDelegate(services =>
        {
            SqsStreamExtensions.AddSqsServices(services, name);
            services.ConfigureNamedOptionForLogging<SimpleQueueCacheOptions>(name);
            services.AddTransient<IConfigurationValidator>(sp => SimpleQueueCacheOptionsValidator.Create(sp, name));
        });
    }

    /// <summary>Options of the queues, messages and S3 offload (e.g. <c>o =&gt; o.Configure(…)</c> or <c>o =&gt; o.Configure(x =&gt; x.ReadConfiguration(cfg))</c>).</summary>
    public SiloSqsStreamConfigurator ConfigureSqs(Action<OptionsBuilder<SqsStreamOptions>> configureOptions)
    {
        this.Configure(configureOptions);
        return this;
    }

    /// <summary>
    /// Deletes a delivered message only once <typeparamref name="TGate"/> confirms that its consumers persisted it
    /// (<see cref="ISqsAcknowledgementGate"/>), every <see cref="SqsStreamOptions.AcknowledgeInterval"/>: for consumers that
    /// write their state behind the stream.
    /// </summary>
    public SiloSqsStreamConfigurator AcknowledgeThrough<TGate>()
        where TGate : class, ISqsAcknowledgementGate
    {
        ConfigureDelegate(services => services.AddKeyedSingleton<ISqsAcknowledgementGate, TGate>(Name));
        return this;
    }

    /// <summary>Batches each queue's cache holds (default 4096); a smaller cache acknowledges sooner.</summary>
    public SiloSqsStreamConfigurator ConfigureCache(int cacheSize = SimpleQueueCacheOptions.DEFAULT_CACHE_SIZE)
    {
        this.Configure<SimpleQueueCacheOptions>(options => options.Configure(o => o.CacheSize = cacheSize));
        return this;
    }
}

/// <summary>Client-side configuration of one SQS stream provider.</summary>
public sealed class ClientSqsStreamConfigurator : ClusterClientPersistentStreamConfigurator
{
    public ClientSqsStreamConfigurator(string name, IClientBuilder builder)
        : base(name, builder, SqsQueueAdapterFactory.Create)
    {
        ConfigureDelegate(services => SqsStreamExtensions.AddSqsServices(services, name));
    }

    /// <summary>Options of the queues, messages and S3 offload; must match the silos'.</summary>
    public ClientSqsStreamConfigurator ConfigureSqs(Action<OptionsBuilder<SqsStreamOptions>> configureOptions)
    {
        this.Configure(configureOptions);
        return this;
    }
}
