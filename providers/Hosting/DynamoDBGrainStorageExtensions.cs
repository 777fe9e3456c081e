using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using SecurityCoach.Providers.Aws.Storage;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Registers DynamoDB grain storage providers.</summary>
public static class DynamoDBGrainStorageExtensions
{
    /// <summary>Adds a DynamoDB grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddDynamoDBGrainStorage(this ISiloBuilder builder, string name, Action<DynamoDBGrainStorageOptions> configure) =>
        builder.ConfigureServices(services => services.AddDynamoDBGrainStorage(name, options => options.Configure(configure)));

    /// <summary>Adds a DynamoDB grain storage as the default storage provider.</summary>
    public static ISiloBuilder AddDynamoDBGrainStorageAsDefault(this ISiloBuilder builder, Action<DynamoDBGrainStorageOptions> configure) =>
        builder.AddDynamoDBGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>Adds a DynamoDB grain storage named <paramref name="name"/>, its options given through an options builder (e.g. bound to configuration).</summary>
    public static IServiceCollection AddDynamoDBGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<DynamoDBGrainStorageOptions>> configureOptions)
    {
        configureOptions(services.AddOptions<DynamoDBGrainStorageOptions>(name));
        services.AddTransient<IPostConfigureOptions<DynamoDBGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<DynamoDBGrainStorageOptions>>();
        services.AddTransient<IConfigurationValidator>(sp =>
            new DynamoDBGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(name), name));
        // The factory returns the concrete type: AddGrainStorage registers the lifecycle participant (table check)
        // only when that type implements it.
        return services.AddGrainStorage(name, DynamoDBGrainStorage.Create);
    }
}
