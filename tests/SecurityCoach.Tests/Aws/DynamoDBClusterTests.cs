using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using SecurityCoach.Providers.Aws.Hosting;

namespace SecurityCoach.Tests.Aws;

public interface IAwsCounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<int> Get();
}

public sealed class AwsCounterGrain([PersistentState("counter", DynamoDBClusterTests.Storage)] IPersistentState<ConformanceState> counter)
    : Grain, IAwsCounterGrain
{
    public async Task<int> Increment()
    {
        counter.State.Count++;
        await counter.WriteStateAsync();
        return counter.State.Count;
    }

    public Task<int> Get() => Task.FromResult(counter.State.Count);
}

/// <summary>
/// A two-silo TestCluster whose membership, gateway list and grain state are ours, in DynamoDB Local — no test
/// membership. Proves the providers carry a real cluster, not only their table contracts.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDBClusterTests(LocalAwsFixture aws)
{
    public const string Storage = "ddb";

    [Fact]
    public async Task Two_silos_form_a_cluster_on_DynamoDB_membership_and_keep_grain_state_there()
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = $"cluster-{Guid.NewGuid():N}";
        builder.Options.ServiceId = "cluster-tests";
        builder.Properties["LocalAws:DynamoDB"] = aws.DynamoDBServiceUrl.ToString();
        builder.Properties["LocalAws:Table"] = $"cluster-{Guid.NewGuid():N}";
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();

            var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
            var rows = await aws.DynamoDB.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
            {
                TableName = $"{builder.Properties["LocalAws:Table"]}-silos",
                KeyConditionExpression = "PK = :cluster",
                ExpressionAttributeValues = new() { [":cluster"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = builder.Options.ClusterId } },
                ConsistentRead = true,
            });
            Assert.Equal(3, rows.Count);

            var grains = Enumerable.Range(0, 10).Select(i => cluster.Client.GetGrain<IAwsCounterGrain>($"counter-{i}")).ToList();
            foreach (var grain in grains)
            {
                await grain.Increment();
                await grain.Increment();
            }

            foreach (var grain in grains)
            {
                await cluster.DeactivateAsync(grain);
            }

            Assert.All(await Task.WhenAll(grains.Select(g => g.Get())), count => Assert.Equal(2, count));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static void Local(DynamoDBProviderOptions options, IConfiguration configuration, string table)
    {
        options.ServiceURL = configuration["LocalAws:DynamoDB"];
        options.Region = LocalAwsFixture.Region;
        options.Credentials = LocalAwsFixture.Credentials;
        options.TableName = table;
        options.CreateIfNotExists = true;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var table = siloBuilder.Configuration["LocalAws:Table"]!;
            siloBuilder.UseDynamoDBClustering(o => Local(o, siloBuilder.Configuration, $"{table}-silos"));
            siloBuilder.AddDynamoDBGrainStorage(Storage, o => Local(o, siloBuilder.Configuration, $"{table}-state"));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseDynamoDBClustering(o => Local(o, configuration, $"{configuration["LocalAws:Table"]}-silos"));
    }
}
