using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Clustering;

/// <summary>
/// Orleans membership in DynamoDB (see <see cref="MembershipItems"/> for the layout). Insert and update are one
/// TransactWriteItems each: the silo row's condition (absent, or its ETag) and the version row's ETag condition
/// commit together, so a lost race fails both and returns false. ReadAll brackets its query with two strongly
/// consistent reads of the version row and retries when they differ: DynamoDB queries are not isolated from
/// transactions, so only an unchanged version row proves the rows read belong to one table version.
/// </summary>
public sealed partial class DynamoDBMembershipTable : IMembershipTable, IDisposable
{
    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly OwnedClient<IAmazonDynamoDB> _dynamo;
    private readonly ILogger _logger;

    public DynamoDBMembershipTable(IServiceProvider services, IOptions<DynamoDBClusteringOptions> options, IOptions<ClusterOptions> cluster, ILogger<DynamoDBMembershipTable> logger)
    {
        _options = options.Value;
        _clusterId = cluster.Value.ClusterId;
        _dynamo = DynamoDBClients.DynamoDB(services, "clustering", _options);
        _logger = logger;
    }

    private IAmazonDynamoDB Client => _dynamo.Client;

    public async Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken = default)
    {
        await DynamoDBTables.EnsureAsync(Client, _options.TableName, _options.CreateIfNotExists, _logger, cancellationToken);
        if (!tryInitTableVersion)
        {
            return;
        }

        var row = DynamoDBTables.Key(_clusterId, MembershipItems.VersionKey);
        row[MembershipItems.Version] = MembershipItems.Number(0);
        row[MembershipItems.ETag] = new AttributeValue { S = NewETag() };
        try
        {
            await Client.PutItemAsync(new PutItemRequest
            {
                TableName = _options.TableName,
                Item = row,
                ConditionExpression = "attribute_not_exists(PK)",
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Another silo created it; silos starting together all try.
        }
    }

    public async Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = await ReadVersionAsync(cancellationToken);
            var items = await DynamoDBTables.QueryAllAsync(Client, new QueryRequest
            {
                TableName = _options.TableName,
                KeyConditionExpression = "PK = :cluster",
                ExpressionAttributeValues = new() { [":cluster"] = new AttributeValue { S = _clusterId } },
                ConsistentRead = true,
            }, cancellationToken);
            var after = await ReadVersionAsync(cancellationToken);
            if (before.VersionEtag == after.VersionEtag)
            {
                return new MembershipTableData(Rows(items), after);
            }

            if (attempt >= _options.MaxReadAllAttempts)
            {
                throw new OrleansException(
                    $"DynamoDB membership: the table of cluster '{_clusterId}' changed during each of {attempt} reads; giving up this refresh.");
            }

            // Jittered, growing pause: readers that collide with a burst of writes should not re-collide in step.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * attempt), cancellationToken);
        }
    }

    public async Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken = default)
    {
        var response = await Client.TransactGetItemsAsync(new TransactGetItemsRequest
        {
            TransactItems =
            [
                new TransactGetItem { Get = new Get { TableName = _options.TableName, Key = DynamoDBTables.Key(_clusterId, key.ToParsableString()) } },
                new TransactGetItem { Get = new Get { TableName = _options.TableName, Key = DynamoDBTables.Key(_clusterId, MembershipItems.VersionKey) } },
            ],
        }, cancellationToken);
        var responses = response.Responses ?? [];
        var row = responses.Count > 0 ? responses[0].Item : null;
        var version = responses.Count > 1 ? responses[1].Item : null;
        return new MembershipTableData(
            row is { Count: > 0 } ? [Tuple.Create(MembershipItems.ToEntry(row), row[MembershipItems.ETag].S)] : [],
            ToVersion(version));
    }

    public Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        WriteAsync(entry, "attribute_not_exists(PK)", [], tableVersion, cancellationToken);

    public Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken = default) =>
        WriteAsync(entry, "ETag = :rowETag", new() { [":rowETag"] = new AttributeValue { S = etag } }, tableVersion, cancellationToken);

    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken = default)
    {
        // Only the liveness timestamp: no version bump and no ETag change, as the protocol expects of IAmAlive.
        await Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = DynamoDBTables.Key(_clusterId, entry.SiloAddress.ToParsableString()),
            UpdateExpression = "SET IAmAliveTime = :alive",
            ConditionExpression = "attribute_exists(PK)",
            ExpressionAttributeValues = new() { [":alive"] = new AttributeValue { S = MembershipItems.Format(entry.IAmAliveTime) } },
        }, cancellationToken);
    }

    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken = default)
    {
        var items = await QueryRowsAsync(cancellationToken);
        foreach (var item in items)
        {
            var entry = MembershipItems.ToEntry(item);
            if (entry.Status == SiloStatus.Active || entry.IAmAliveTime >= beforeDate.UtcDateTime)
            {
                continue;
            }

            try
            {
                // Conditional on the ETag read, so a row that came back to life meanwhile is kept.
                await Client.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = _options.TableName,
                    Key = DynamoDBTables.Key(_clusterId, item[DynamoDBTables.SortKey].S),
                    ConditionExpression = "ETag = :etag",
                    ExpressionAttributeValues = new() { [":etag"] = item[MembershipItems.ETag] },
                }, cancellationToken);
                LogDefunctDeleted(_logger, entry.SiloAddress, entry.Status, entry.IAmAliveTime);
            }
            catch (ConditionalCheckFailedException)
            {
                // Updated since the read: not defunct after all, or someone else cleaned it.
            }
        }
    }

    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        var items = await DynamoDBTables.QueryAllAsync(Client, new QueryRequest
        {
            TableName = _options.TableName,
            KeyConditionExpression = "PK = :cluster",
            ExpressionAttributeValues = new() { [":cluster"] = new AttributeValue { S = clusterId } },
            ProjectionExpression = "PK, SK",
            ConsistentRead = true,
        }, cancellationToken);
        await DynamoDBTables.DeleteAsync(Client, _options.TableName, items, cancellationToken);
    }

    // The classic members are obsolete in Orleans 10.4.2 but still abstract. They call the implementations above
    // directly: routing them through the interface's *Async default methods would loop back here.
    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion);

    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId);

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate);

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key);

    public Task<MembershipTableData> ReadAll() => ReadAllAsync();

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion);

    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry);

    public void Dispose() => _dynamo.Release();

    internal async Task<List<Dictionary<string, AttributeValue>>> QueryRowsAsync(CancellationToken cancellationToken)
    {
        var items = await DynamoDBTables.QueryAllAsync(Client, new QueryRequest
        {
            TableName = _options.TableName,
            KeyConditionExpression = "PK = :cluster AND SK > :version",
            ExpressionAttributeValues = new()
            {
                [":cluster"] = new AttributeValue { S = _clusterId },
                [":version"] = new AttributeValue { S = MembershipItems.VersionKey },
            },
            ConsistentRead = true,
        }, cancellationToken);
        return items;
    }

    private async Task<bool> WriteAsync(
        MembershipEntry entry, string rowCondition, Dictionary<string, AttributeValue> rowValues, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        var row = MembershipItems.ToItem(_clusterId, entry, NewETag(), tableVersion.Version);
        try
        {
            await Client.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new TransactWriteItem
                    {
                        Put = new Put
                        {
                            TableName = _options.TableName,
                            Item = row,
                            ConditionExpression = rowCondition,
                            ExpressionAttributeValues = rowValues.Count > 0 ? rowValues : null,
                        },
                    },
                    new TransactWriteItem
                    {
                        Update = new Update
                        {
                            TableName = _options.TableName,
                            Key = DynamoDBTables.Key(_clusterId, MembershipItems.VersionKey),
                            UpdateExpression = "SET Version = :version, ETag = :newETag",
                            ConditionExpression = "ETag = :expectedETag",
                            ExpressionAttributeValues = new()
                            {
                                [":version"] = MembershipItems.Number(tableVersion.Version),
                                [":newETag"] = new AttributeValue { S = NewETag() },
                                [":expectedETag"] = new AttributeValue { S = tableVersion.VersionEtag },
                            },
                        },
                    },
                ],
            }, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException e) when (IsLostRace(e))
        {
            LogLostRace(_logger, entry.SiloAddress, tableVersion.Version, e.Message);
            return false;
        }
    }

    // ConditionalCheckFailed: the row or version ETag moved. TransactionConflict: another transaction on the same
    // items was in flight. Both mean another writer won; the membership protocol re-reads and tries again.
    private static bool IsLostRace(TransactionCanceledException e) =>
        (e.CancellationReasons ?? []).Any(r => r.Code is "ConditionalCheckFailed" or "TransactionConflict");

    private async Task<TableVersion> ReadVersionAsync(CancellationToken cancellationToken)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = _options.TableName,
            Key = DynamoDBTables.Key(_clusterId, MembershipItems.VersionKey),
            ConsistentRead = true,
        }, cancellationToken);
        return ToVersion(response.Item);
    }

    // No version row yet (a client or a silo before initialization): version 0 with an ETag no row can have, so a
    // write based on it fails instead of creating a second version history.
    private static TableVersion ToVersion(Dictionary<string, AttributeValue>? item) =>
        item is { Count: > 0 }
            ? new TableVersion(int.Parse(item[MembershipItems.Version].N, System.Globalization.CultureInfo.InvariantCulture), item[MembershipItems.ETag].S)
            : new TableVersion(0, "no-version-row");

    private static string NewETag() => Guid.NewGuid().ToString("N");

    private List<Tuple<MembershipEntry, string>> Rows(List<Dictionary<string, AttributeValue>> items)
    {
        var rows = new List<Tuple<MembershipEntry, string>>(items.Count);
        foreach (var item in items)
        {
            if (item[DynamoDBTables.SortKey].S == MembershipItems.VersionKey)
            {
                continue;
            }

            try
            {
                rows.Add(Tuple.Create(MembershipItems.ToEntry(item), item[MembershipItems.ETag].S));
            }
            catch (Exception e) when (e is FormatException or KeyNotFoundException or OverflowException)
            {
                // One unreadable row must not blind every silo to the whole cluster.
                LogUnreadableRow(_logger, e, _clusterId, item[DynamoDBTables.SortKey].S);
            }
        }

        return rows;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DynamoDB membership: deleted defunct row {Silo} ({Status}, last alive {IAmAlive:O})")]
    private static partial void LogDefunctDeleted(ILogger logger, SiloAddress silo, SiloStatus status, DateTime iAmAlive);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DynamoDB membership: write of {Silo} at version {Version} lost a race ({Reasons})")]
    private static partial void LogLostRace(ILogger logger, SiloAddress silo, int version, string reasons);

    [LoggerMessage(Level = LogLevel.Error, Message = "DynamoDB membership: skipped unreadable row {Row} of cluster {ClusterId}")]
    private static partial void LogUnreadableRow(ILogger logger, Exception exception, string clusterId, string row);
}
