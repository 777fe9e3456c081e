using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Messaging;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Clustering;

/// <summary>Gateways for clients: the Active silos of the cluster with a proxy port, read with a Query (never a Scan).</summary>
public sealed class DynamoDBGatewayListProvider : IGatewayListProvider, IDisposable
{
    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly OwnedClient<IAmazonDynamoDB> _dynamo;
    private readonly ILogger _logger;

    public DynamoDBGatewayListProvider(
        IServiceProvider services, IOptions<DynamoDBClusteringOptions> options, IOptions<ClusterOptions> cluster, IOptions<GatewayOptions> gateway, ILogger<DynamoDBGatewayListProvider> logger)
    {
        _options = options.Value;
        _clusterId = cluster.Value.ClusterId;
        _dynamo = DynamoDBClients.DynamoDB(services, "clustering", _options);
        _logger = logger;
        MaxStaleness = gateway.Value.GatewayListRefreshPeriod;
    }

    public TimeSpan MaxStaleness { get; }

    public bool IsUpdatable => true;

    public Task InitializeGatewayListProvider() => InitializeGatewayListProviderAsync();

    public Task InitializeGatewayListProviderAsync(CancellationToken cancellationToken = default) =>
        DynamoDBTables.EnsureAsync(_dynamo.Client, _options.TableName, createIfNotExists: false, _logger, cancellationToken);

    public Task<IList<Uri>> GetGateways() => GetGatewaysAsync();

    public async Task<IList<Uri>> GetGatewaysAsync(CancellationToken cancellationToken = default)
    {
        var items = await DynamoDBTables.QueryAllAsync(_dynamo.Client, new QueryRequest
        {
            TableName = _options.TableName,
            KeyConditionExpression = "PK = :cluster AND SK > :version",
            FilterExpression = "#status = :active AND ProxyPort > :zero",
            ExpressionAttributeNames = new() { ["#status"] = MembershipItems.Status },
            ExpressionAttributeValues = new()
            {
                [":cluster"] = new AttributeValue { S = _clusterId },
                [":version"] = new AttributeValue { S = MembershipItems.VersionKey },
                [":active"] = MembershipItems.Number((int)SiloStatus.Active),
                [":zero"] = MembershipItems.Number(0),
            },
        }, cancellationToken);
        var gateways = new List<Uri>(items.Count);
        foreach (var item in items)
        {
            var silo = SiloAddress.FromParsableString(item[DynamoDBTables.SortKey].S);
            var proxyPort = int.Parse(item[MembershipItems.ProxyPort].N, System.Globalization.CultureInfo.InvariantCulture);
            gateways.Add(SiloAddress.New(silo.Endpoint.Address, proxyPort, silo.Generation).ToGatewayUri());
        }

        return gateways;
    }

    public void Dispose() => _dynamo.Release();
}
