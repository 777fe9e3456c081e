using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Providers;
using SecurityCoach.Notifications;
using SecurityCoach.Tests.Aws;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>
/// Makes a killed test silo as silent as a killed process. TestingHost "kills" an in-process silo by stopping its host
/// without disposing it, so grain code already running goes on: it could post webhooks and write grain state after the
/// kill, which no dead process can. Seen in CI: a coaching the killed silo was still running wrote its state after the
/// kill, so the survivor's activation, which had just delivered, lost its write to the ETag check, started over and
/// delivered again. Here nothing leaves a silo once its host has begun stopping — neither a webhook nor a grain-state
/// call — and every webhook carries <see cref="WebhookReceiver.SenderHeader"/>, so a test asserts which silo sent what
/// instead of guessing from arrival times.
/// </summary>
public static class KilledSiloSendsNothing
{
    /// <param name="services">A test silo's services (a silo configurator's).</param>
    /// <param name="dynamoDBServiceUrl">The emulator the default grain storage uses; its client is replaced by a gated one.</param>
    public static void AddTo(IServiceCollection services, string dynamoDBServiceUrl)
    {
        services.AddHttpClient(HttpDelivery.HttpClientName)
            .AddHttpMessageHandler(provider => new Gate(SiloName(provider), tagRequests: true, Stopping(provider)));
        // The storage provider takes a client registered under its name before building its own.
        services.AddKeyedSingleton<IAmazonDynamoDB>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, (provider, _) =>
            new AmazonDynamoDBClient(LocalAwsFixture.Credentials, new AmazonDynamoDBConfig
            {
                ServiceURL = dynamoDBServiceUrl,
                AuthenticationRegion = LocalAwsFixture.Region,
                HttpClientFactory = new GatedAwsHttp(SiloName(provider), Stopping(provider)),
            }));
    }

    private static string SiloName(IServiceProvider provider) => provider.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    private static CancellationToken Stopping(IServiceProvider provider) =>
        provider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    private sealed class Gate(string silo, bool tagRequests, CancellationToken stopping) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (stopping.IsCancellationRequested)
            {
                throw new HttpRequestException($"Silo {silo} is stopping (killed): it sends nothing more.");
            }

            if (tagRequests)
            {
                request.Headers.Add(WebhookReceiver.SenderHeader, silo);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class GatedAwsHttp(string silo, CancellationToken stopping) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(new Gate(silo, tagRequests: false, stopping) { InnerHandler = new SocketsHttpHandler() });
    }
}
