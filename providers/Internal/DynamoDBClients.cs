using Amazon;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Providers.Aws.Hosting;

namespace SecurityCoach.Providers.Aws.Internal;

/// <summary>A client and whether the provider built it (and so must dispose it).</summary>
internal sealed record OwnedClient<T>(T Client, bool Owned) where T : class, IDisposable
{
    public void Release()
    {
        if (Owned)
        {
            Client.Dispose();
        }
    }
}

/// <summary>
/// Picks the AWS client a provider uses, most specific first: a client registered in DI under the provider's name,
/// one built from the provider's options when they name an endpoint or region, an unnamed client from DI, and
/// finally one built from the SDK defaults (environment, profile, instance role).
/// </summary>
internal static class DynamoDBClients
{
    public static OwnedClient<IAmazonDynamoDB> DynamoDB(IServiceProvider services, string name, DynamoDBProviderOptions options)
    {
        if (services.GetKeyedService<IAmazonDynamoDB>(name) is { } keyed)
        {
            return new(keyed, false);
        }

        if (options.ServiceURL is null && options.Region is null && services.GetService<IAmazonDynamoDB>() is { } shared)
        {
            return new(shared, false);
        }

        var config = new AmazonDynamoDBConfig();
        Apply(config, options.ServiceURL, options.Region);
        return new(options.Credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(options.Credentials, config), true);
    }

    public static OwnedClient<IAmazonS3> S3(IServiceProvider services, string name, string? serviceUrl, string? region, Amazon.Runtime.AWSCredentials? credentials)
    {
        if (services.GetKeyedService<IAmazonS3>(name) is { } keyed)
        {
            return new(keyed, false);
        }

        if (serviceUrl is null && region is null && services.GetService<IAmazonS3>() is { } shared)
        {
            return new(shared, false);
        }

        // Emulators answer on one host name, so buckets go in the path rather than in the host.
        var config = new AmazonS3Config { ForcePathStyle = serviceUrl is not null };
        Apply(config, serviceUrl, region);
        return new(credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config), true);
    }

    internal static void Apply(Amazon.Runtime.ClientConfig config, string? serviceUrl, string? region)
    {
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            // With an endpoint override the SDK cannot infer the signing region from the host name.
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
    }
}
