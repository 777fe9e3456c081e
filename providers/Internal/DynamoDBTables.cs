using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace SecurityCoach.Providers.Aws.Internal;

/// <summary>
/// The one key schema every table of these providers uses — PK (S, hash) + SK (S, range) — and the start-up check
/// that the table exists with it, creating it (on-demand billing) when allowed.
/// </summary>
internal static partial class DynamoDBTables
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";

    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(2);

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [PartitionKey] = new AttributeValue { S = pk },
        [SortKey] = new AttributeValue { S = sk },
    };

    public static async Task EnsureAsync(IAmazonDynamoDB client, string table, bool createIfNotExists, ILogger logger, CancellationToken cancellationToken)
    {
        var description = await DescribeAsync(client, table, cancellationToken);
        if (description is null)
        {
            if (!createIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{table}' does not exist. Create it (key schema {PartitionKey} S hash, {SortKey} S range) or set CreateIfNotExists.");
            }

            try
            {
                await client.CreateTableAsync(new CreateTableRequest
                {
                    TableName = table,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions = [new(PartitionKey, ScalarAttributeType.S), new(SortKey, ScalarAttributeType.S)],
                    KeySchema = [new(PartitionKey, KeyType.HASH), new(SortKey, KeyType.RANGE)],
                }, cancellationToken);
                LogCreated(logger, table);
            }
            catch (ResourceInUseException)
            {
                // Another silo created it first.
            }

            description = await WaitUntilActiveAsync(client, table, cancellationToken);
        }
        else if (description.TableStatus != TableStatus.ACTIVE)
        {
            description = await WaitUntilActiveAsync(client, table, cancellationToken);
        }

        var keys = description.KeySchema ?? [];
        var valid = keys.Count == 2
            && keys.Exists(k => k.AttributeName == PartitionKey && k.KeyType == KeyType.HASH)
            && keys.Exists(k => k.AttributeName == SortKey && k.KeyType == KeyType.RANGE);
        if (!valid)
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{table}' has key schema [{string.Join(", ", keys.Select(k => $"{k.AttributeName} {k.KeyType}"))}]; expected {PartitionKey} HASH, {SortKey} RANGE.");
        }
    }

    private static async Task<TableDescription?> DescribeAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.DescribeTableAsync(table, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private static async Task<TableDescription> WaitUntilActiveAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ActiveTimeout;
        while (true)
        {
            var description = await DescribeAsync(client, table, cancellationToken);
            if (description?.TableStatus == TableStatus.ACTIVE)
            {
                return description;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"DynamoDB table '{table}' did not become ACTIVE within {ActiveTimeout} (status {description?.TableStatus}).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Deletes items in batches of 25 (the BatchWriteItem limit), resending whatever DynamoDB leaves unprocessed.</summary>
    public static async Task DeleteAsync(IAmazonDynamoDB client, string table, IReadOnlyList<Dictionary<string, AttributeValue>> keys, CancellationToken cancellationToken)
    {
        for (var i = 0; i < keys.Count; i += 25)
        {
            var requests = new Dictionary<string, List<WriteRequest>>
            {
                [table] = keys.Skip(i).Take(25).Select(k => new WriteRequest { DeleteRequest = new DeleteRequest { Key = k } }).ToList(),
            };
            for (var attempt = 0; requests.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (1 << Math.Min(attempt, 5)))), cancellationToken);
                }

                var response = await client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = requests }, cancellationToken);
                requests = response.UnprocessedItems is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        }
    }

    /// <summary>Every item of a query, page by page (a null start key on the first page: an empty one is rejected).</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(IAmazonDynamoDB client, QueryRequest request, CancellationToken cancellationToken)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        request.ExclusiveStartKey = null;
        do
        {
            var response = await client.QueryAsync(request, cancellationToken);
            items.AddRange(response.Items ?? []);
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        return items;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB table {Table}")]
    private static partial void LogCreated(ILogger logger, string table);
}
