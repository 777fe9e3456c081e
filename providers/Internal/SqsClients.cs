using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Providers.Aws.Internal;

/// <summary>The SQS client of a stream provider, chosen in the same order as <see cref="DynamoDBClients"/> does.</summary>
internal static class SqsClients
{
    public static OwnedClient<IAmazonSQS> Sqs(IServiceProvider services, string name, SqsStreamOptions options)
    {
        if (services.GetKeyedService<IAmazonSQS>(name) is { } keyed)
        {
            return new(keyed, false);
        }

        if (options.ServiceURL is null && options.Region is null && services.GetService<IAmazonSQS>() is { } shared)
        {
            return new(shared, false);
        }

        var config = new AmazonSQSConfig();
        DynamoDBClients.Apply(config, options.ServiceURL, options.Region);
        return new(options.Credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(options.Credentials, config), true);
    }
}
