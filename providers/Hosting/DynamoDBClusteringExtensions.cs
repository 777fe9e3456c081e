using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Messaging;
using SecurityCoach.Providers.Aws.Clustering;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Registers DynamoDB clustering: the membership table on silos, the gateway list on clients.</summary>
public static class DynamoDBClusteringExtensions
{
    /// <summary>Silos keep cluster membership in DynamoDB.</summary>
    public static ISiloBuilder UseDynamoDBClustering(this ISiloBuilder builder, Action<DynamoDBClusteringOptions> configure) =>
        builder.ConfigureServices(services => services.UseDynamoDBClustering(options => options.Configure(configure)));

    /// <summary>Silos keep cluster membership in DynamoDB, options given through an options builder.</summary>
    public static IServiceCollection UseDynamoDBClustering(this IServiceCollection services, Action<OptionsBuilder<DynamoDBClusteringOptions>> configureOptions)
    {
        configureOptions(services.AddOptions<DynamoDBClusteringOptions>());
        services.AddTransient<IConfigurationValidator>(sp => new DynamoDBClusteringOptionsValidator(sp.GetRequiredService<IOptions<DynamoDBClusteringOptions>>().Value));
        return services.AddSingleton<IMembershipTable, DynamoDBMembershipTable>();
    }

    /// <summary>Clients find gateways in the DynamoDB membership table.</summary>
    public static IClientBuilder UseDynamoDBClustering(this IClientBuilder builder, Action<DynamoDBClusteringOptions> configure)
    {
        builder.Services.AddOptions<DynamoDBClusteringOptions>().Configure(configure);
        builder.Services.AddTransient<IConfigurationValidator>(sp => new DynamoDBClusteringOptionsValidator(sp.GetRequiredService<IOptions<DynamoDBClusteringOptions>>().Value));
        builder.Services.AddSingleton<IGatewayListProvider, DynamoDBGatewayListProvider>();
        return builder;
    }
}
