using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Reminders;

/// <summary>
/// Reminders in DynamoDB, read only through the table's own key so every read is strongly consistent (a GSI would
/// be eventually consistent: a silo taking over a range could miss a reminder registered a moment before).
/// PK = <c>"{ServiceId}#{bucket}"</c>, bucket = the top 4 bits of the grain's uniform hash (16 partitions);
/// SK = <c>"{hash:x8}#{grainId}#{reminderName}"</c>, so a hash range is a BETWEEN on SK within each bucket it
/// touches, and a grain's reminders are a begins_with within one bucket. 16 buckets spread writes over 16 partition
/// keys (DynamoDB limits throughput per key) while a full-ring read — the reminder service after a membership change,
/// the Dashboard on every page view — costs 16 queries; a silo's share of the ring usually touches a few.
/// </summary>
public sealed partial class DynamoDBReminderTable : IReminderTable, IDisposable
{
    private const int BucketShift = 28;
    private const int BucketCount = 1 << (32 - BucketShift);

    private readonly DynamoDBReminderOptions _options;
    private readonly string _serviceId;
    private readonly OwnedClient<IAmazonDynamoDB> _dynamo;
    private readonly ILogger _logger;

    public DynamoDBReminderTable(IServiceProvider services, IOptions<DynamoDBReminderOptions> options, IOptions<ClusterOptions> cluster, ILogger<DynamoDBReminderTable> logger)
    {
        _options = options.Value;
        _serviceId = _options.ServiceId ?? cluster.Value.ServiceId;
        _dynamo = DynamoDBClients.DynamoDB(services, "reminders", _options);
        _logger = logger;
    }

    private IAmazonDynamoDB Client => _dynamo.Client;

    public Task StartAsync(CancellationToken cancellationToken = default) =>
        DynamoDBTables.EnsureAsync(Client, _options.TableName, _options.CreateIfNotExists, _logger, cancellationToken);

    public Task Init() => StartAsync();

    public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        var hash = grainId.GetUniformHashCode();
        var items = await DynamoDBTables.QueryAllAsync(Client, new QueryRequest
        {
            TableName = _options.TableName,
            KeyConditionExpression = "PK = :bucket AND begins_with(SK, :prefix)",
            ExpressionAttributeValues = new()
            {
                [":bucket"] = new AttributeValue { S = Bucket(hash) },
                [":prefix"] = new AttributeValue { S = $"{hash:x8}#{grainId}#" },
            },
            ConsistentRead = true,
        }, CancellationToken.None);
        // Another grain whose id extends this one's after a '#' could share the prefix; the stored id decides.
        return new ReminderTableData(items.Where(i => i["GrainId"].S == grainId.ToString()).Select(ToEntry));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // (begin, end]; begin >= end wraps around the ring (begin == end: the whole ring).
        var segments = new List<(uint From, uint To)>(2);
        if (begin < end)
        {
            segments.Add((begin + 1, end));
        }
        else
        {
            if (begin < uint.MaxValue)
            {
                segments.Add((begin + 1, uint.MaxValue));
            }

            segments.Add((0, end));
        }

        var queries = new List<Task<List<Dictionary<string, AttributeValue>>>>();
        foreach (var (from, to) in segments)
        {
            for (var bucket = from >> BucketShift; bucket <= to >> BucketShift; bucket++)
            {
                var low = Math.Max(from, bucket << BucketShift);
                var high = Math.Min(to, (bucket << BucketShift) | ((1u << BucketShift) - 1));
                queries.Add(QueryRange(bucket, low, high));
            }
        }

        var results = await Task.WhenAll(queries);
        return new ReminderTableData(results.SelectMany(r => r).Select(ToEntry));
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = _options.TableName,
            Key = Key(grainId, reminderName),
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? ToEntry(item) : null;
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        // Unconditional, as Orleans' reminder service expects: the latest registration wins.
        var etag = Guid.NewGuid().ToString("N");
        var item = Key(entry.GrainId, entry.ReminderName);
        item["GrainId"] = new AttributeValue { S = entry.GrainId.ToString() };
        item["Name"] = new AttributeValue { S = entry.ReminderName };
        item["StartAt"] = new AttributeValue { S = DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture) };
        item["Period"] = new AttributeValue { N = entry.Period.Ticks.ToString(CultureInfo.InvariantCulture) };
        item["ETag"] = new AttributeValue { S = etag };
        var response = await Client.PutItemAsync(new PutItemRequest { TableName = _options.TableName, Item = item, ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL });
        DynamoDBCapacityMetrics.Wrote(response.ConsumedCapacity, _options.TableName);
        return etag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        try
        {
            var response = await Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _options.TableName,
                Key = Key(grainId, reminderName),
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
                ConditionExpression = "ETag = :etag",
                ExpressionAttributeValues = new() { [":etag"] = new AttributeValue { S = eTag } },
            });
            DynamoDBCapacityMetrics.Wrote(response.ConsumedCapacity, _options.TableName);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task TestOnlyClearTable()
    {
        for (var bucket = 0u; bucket < BucketCount; bucket++)
        {
            var items = await DynamoDBTables.QueryAllAsync(Client, new QueryRequest
            {
                TableName = _options.TableName,
                KeyConditionExpression = "PK = :bucket",
                ExpressionAttributeValues = new() { [":bucket"] = new AttributeValue { S = BucketKey(bucket) } },
                ProjectionExpression = "PK, SK",
                ConsistentRead = true,
            }, CancellationToken.None);
            await DynamoDBTables.DeleteAsync(Client, _options.TableName, items, CancellationToken.None);
        }
    }

    public void Dispose() => _dynamo.Release();

    private Task<List<Dictionary<string, AttributeValue>>> QueryRange(uint bucket, uint low, uint high) =>
        DynamoDBTables.QueryAllAsync(Client, new QueryRequest
        {
            TableName = _options.TableName,
            // '$' sorts right after '#', so "{high}$" is above every SK that starts with "{high}#".
            KeyConditionExpression = "PK = :bucket AND SK BETWEEN :low AND :high",
            ExpressionAttributeValues = new()
            {
                [":bucket"] = new AttributeValue { S = BucketKey(bucket) },
                [":low"] = new AttributeValue { S = $"{low:x8}#" },
                [":high"] = new AttributeValue { S = $"{high:x8}$" },
            },
            ConsistentRead = true,
        }, CancellationToken.None);

    private Dictionary<string, AttributeValue> Key(GrainId grainId, string reminderName)
    {
        var hash = grainId.GetUniformHashCode();
        return DynamoDBTables.Key(Bucket(hash), $"{hash:x8}#{grainId}#{reminderName}");
    }

    private string Bucket(uint hash) => BucketKey(hash >> BucketShift);

    private string BucketKey(uint bucket) => $"{_serviceId}#{bucket:x}";

    private static ReminderEntry ToEntry(Dictionary<string, AttributeValue> item) => new()
    {
        GrainId = GrainId.Parse(item["GrainId"].S),
        ReminderName = item["Name"].S,
        StartAt = DateTime.Parse(item["StartAt"].S, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        Period = TimeSpan.FromTicks(long.Parse(item["Period"].N, CultureInfo.InvariantCulture)),
        ETag = item["ETag"].S,
    };
}
