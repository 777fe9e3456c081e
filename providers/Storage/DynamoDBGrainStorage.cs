using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration.Overrides;
using Orleans.Storage;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Storage;

/// <summary>
/// Grain state in DynamoDB, one item per (service, grain, state name): PK <c>"{ServiceId}/{grainId}"</c>, SK the state
/// name. The ETag is the item's version number, and every write or clear is one conditional UpdateItem on it, so
/// a stale writer fails with <see cref="InconsistentStateException"/> and leaves the item untouched. A clear keeps
/// the item as a tombstone (no state, version + 1) so versions never repeat: a writer holding an ETag from before a
/// clear can never match a later record. States over <see cref="DynamoDBGrainStorageOptions.MaxInlineStateBytes"/>
/// are written to S3 first and the item keeps the object key (claim check); the ETag check stays in DynamoDB.
/// </summary>
public sealed partial class DynamoDBGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private const string VersionAttribute = "Version";
    private const string StateAttribute = "State";
    private const string S3KeyAttribute = "S3Key";

    // The same condition for write and clear: with an ETag, the stored version must equal it; without one, there
    // must be no live state (no item, or a tombstone left by a clear).
    private const string MatchesETag = "#v = :expected";
    private const string HasNoLiveState = "attribute_not_exists(#pk) OR (attribute_not_exists(#st) AND attribute_not_exists(#s3))";

    // DynamoDB rejects names an expression does not use, so the insert condition (which names the key) has its own set.
    private static readonly Dictionary<string, string> UpdateNames = new()
    {
        ["#v"] = VersionAttribute,
        ["#st"] = StateAttribute,
        ["#s3"] = S3KeyAttribute,
        ["#ttl"] = DynamoDBGrainStorageOptions.TimeToLiveAttribute,
    };

    private static readonly Dictionary<string, string> InsertNames = new(UpdateNames) { ["#pk"] = DynamoDBTables.PartitionKey };

    private readonly string _name;
    private readonly DynamoDBGrainStorageOptions _options;
    private readonly string _serviceId;
    private readonly OwnedClient<IAmazonDynamoDB> _dynamo;
    private readonly OwnedClient<IAmazonS3>? _s3;
    private readonly ILogger _logger;

    internal DynamoDBGrainStorage(
        string name,
        DynamoDBGrainStorageOptions options,
        string serviceId,
        OwnedClient<IAmazonDynamoDB> dynamo,
        OwnedClient<IAmazonS3>? s3,
        ILogger<DynamoDBGrainStorage> logger)
    {
        _name = name;
        _options = options;
        _serviceId = options.ServiceId ?? serviceId;
        _dynamo = dynamo;
        _s3 = s3;
        _logger = logger;
    }

    internal static DynamoDBGrainStorage Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(name);
        var s3 = options.S3BucketName is null
            ? null
            : DynamoDBClients.S3(services, name, options.S3ServiceURL, options.Region, options.Credentials);
        return new DynamoDBGrainStorage(
            name,
            options,
            services.GetProviderClusterOptions(name).Value.ServiceId,
            DynamoDBClients.DynamoDB(services, name, options),
            s3,
            services.GetRequiredService<ILogger<DynamoDBGrainStorage>>());
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(OptionFormattingUtilities.Name<DynamoDBGrainStorage>(_name), _options.InitStage, InitializeAsync);

    /// <summary>Checks (or creates) the table and, when configured, the bucket.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await DynamoDBTables.EnsureAsync(_dynamo.Client, _options.TableName, _options.CreateIfNotExists, _logger, cancellationToken);
        if (_options.ExpiresAt is not null && _options.CreateIfNotExists)
        {
            await EnableTimeToLiveAsync(cancellationToken);
        }
        if (_s3 is not null && _options.CreateIfNotExists)
        {
            try
            {
                await _s3.Client.PutBucketAsync(new PutBucketRequest { BucketName = _options.S3BucketName }, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // Created by another silo or by infrastructure code.
            }
        }
    }

    private async Task EnableTimeToLiveAsync(CancellationToken cancellationToken)
    {
        var current = await _dynamo.Client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = _options.TableName }, cancellationToken);
        if (current.TimeToLiveDescription?.TimeToLiveStatus is { } status && (status == TimeToLiveStatus.ENABLED || status == TimeToLiveStatus.ENABLING))
        {
            return;
        }

        await _dynamo.Client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = _options.TableName,
            TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = DynamoDBGrainStorageOptions.TimeToLiveAttribute, Enabled = true },
        }, cancellationToken);
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = DynamoDBTables.Key(PartitionKeyOf(grainId), stateName);
        var response = await _dynamo.Client.GetItemAsync(
            new GetItemRequest { TableName = _options.TableName, Key = key, ConsistentRead = true, ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL }, cancellationToken);
        DynamoDBCapacityMetrics.Read(response.ConsumedCapacity, _options.TableName);
        var item = response.Item;
        if (item is null || item.Count == 0)
        {
            SetMissing(grainState, etag: null);
            return;
        }

        var etag = item[VersionAttribute].N;
        BinaryData? payload = null;
        if (item.TryGetValue(StateAttribute, out var inline) && inline.B is { } bytes)
        {
            payload = BinaryData.FromBytes(bytes.ToArray());
        }
        else if (item.TryGetValue(S3KeyAttribute, out var pointer) && pointer.S is { } objectKey)
        {
            payload = await DownloadAsync(objectKey, cancellationToken);
        }

        if (payload is null)
        {
            SetMissing(grainState, etag);
            return;
        }

        T? state;
        try
        {
            state = _options.GrainStorageSerializer.Deserialize<T>(payload);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"Grain storage '{_name}': the stored state '{stateName}' of grain {grainId} (version {etag}) cannot be read as {typeof(T)}: {e.Message}", e);
        }

        grainState.State = state ?? Activator.CreateInstance<T>();
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var pk = PartitionKeyOf(grainId);
        var payload = _options.GrainStorageSerializer.Serialize(grainState.State);
        var values = new Dictionary<string, AttributeValue>();
        string update;
        string? uploaded = null;
        // Every write sets or removes the expiry, so a state written again after it ended (a retry) is kept again.
        var expires = _options.ExpiresAt?.Invoke(grainState.State) is { } at
            ? values[":ttl"] = new AttributeValue { N = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;
        var (setExpiry, removeExpiry) = expires is null ? ("", ", #ttl") : (", #ttl = :ttl", "");
        if (payload.Length <= _options.MaxInlineStateBytes)
        {
            values[":state"] = new AttributeValue { B = new MemoryStream(payload.ToArray()) };
            update = $"SET #v = if_not_exists(#v, :zero) + :one, #st = :state{setExpiry} REMOVE #s3{removeExpiry}";
        }
        else
        {
            uploaded = await UploadAsync(pk, stateName, grainId, payload, cancellationToken);
            values[":s3"] = new AttributeValue { S = uploaded };
            update = $"SET #v = if_not_exists(#v, :zero) + :one, #s3 = :s3{setExpiry} REMOVE #st{removeExpiry}";
        }

        UpdateItemResponse response;
        try
        {
            response = await UpdateAsync(pk, stateName, grainId, grainState.ETag, update, values, cancellationToken);
        }
        catch
        {
            if (uploaded is not null)
            {
                await DeleteObjectQuietlyAsync(uploaded);
            }

            throw;
        }

        grainState.ETag = NextVersion(response);
        grainState.RecordExists = true;
        await DeleteReplacedObjectAsync(response, uploaded);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var response = await UpdateAsync(
            PartitionKeyOf(grainId), stateName, grainId, grainState.ETag, "SET #v = if_not_exists(#v, :zero) + :one REMOVE #st, #s3, #ttl", [], cancellationToken);
        SetMissing(grainState, NextVersion(response));
        await DeleteReplacedObjectAsync(response, uploaded: null);
    }

    public void Dispose()
    {
        _dynamo.Release();
        _s3?.Release();
    }

    private async Task<UpdateItemResponse> UpdateAsync(
        string pk, string stateName, GrainId grainId, string? etag, string update, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken)
    {
        values[":zero"] = new AttributeValue { N = "0" };
        values[":one"] = new AttributeValue { N = "1" };
        if (etag is not null)
        {
            if (!long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                throw new InconsistentStateException(
                    $"Grain storage '{_name}': ETag '{etag}' of state '{stateName}' of grain {grainId} was not issued by this provider.", "(unknown)", etag);
            }

            values[":expected"] = new AttributeValue { N = etag };
        }

        try
        {
            var response = await _dynamo.Client.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _options.TableName,
                Key = DynamoDBTables.Key(pk, stateName),
                UpdateExpression = update,
                ConditionExpression = etag is null ? HasNoLiveState : MatchesETag,
                ExpressionAttributeNames = etag is null ? InsertNames : UpdateNames,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.ALL_OLD,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            }, cancellationToken);
            DynamoDBCapacityMetrics.Wrote(response.ConsumedCapacity, _options.TableName);
            return response;
        }
        catch (ConditionalCheckFailedException e)
        {
            var stored = e.Item is { } item && item.TryGetValue(VersionAttribute, out var version) ? version.N : "(none)";
            // The SDK exception is deliberately not the inner exception: callers catch InconsistentStateException
            // and re-read; the AWS request details add nothing for them.
            throw new InconsistentStateException(
                $"Grain storage '{_name}': version conflict on state '{stateName}' of grain {grainId}: stored ETag {stored}, caller's ETag {etag ?? "(none: insert)"}.",
                stored,
                etag ?? "(none)");
        }
    }

    private static string NextVersion(UpdateItemResponse response) =>
        response.Attributes is { } old && old.TryGetValue(VersionAttribute, out var version)
            ? (long.Parse(version.N, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture)
            : "1";

    private static void SetMissing<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private string PartitionKeyOf(GrainId grainId) => $"{_serviceId}/{grainId}";

    private async Task<string> UploadAsync(string pk, string stateName, GrainId grainId, BinaryData payload, CancellationToken cancellationToken)
    {
        if (_s3 is null)
        {
            throw new InvalidOperationException(
                $"Grain storage '{_name}': state '{stateName}' of grain {grainId} serializes to {payload.Length} bytes, over MaxInlineStateBytes " +
                $"({_options.MaxInlineStateBytes}) for a DynamoDB item, and no S3BucketName is configured to hold it. Nothing was written.");
        }

        // A fresh object per write: the item switches to it atomically with the version check, and a write that loses
        // the race leaves the object it uploaded, which is deleted right away.
        var objectKey = $"{_options.S3KeyPrefix}{Hash(pk, stateName)}/{Guid.NewGuid():N}";
        using var body = payload.ToStream();
        await _s3.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _options.S3BucketName,
            Key = objectKey,
            InputStream = body,
            ContentType = "application/octet-stream",
        }, cancellationToken);
        return objectKey;
    }

    private async Task<BinaryData> DownloadAsync(string objectKey, CancellationToken cancellationToken)
    {
        if (_s3 is null)
        {
            throw new InvalidOperationException(
                $"Grain storage '{_name}': a stored state lives in S3 ({objectKey}) but no S3BucketName is configured.");
        }

        using var response = await _s3.Client.GetObjectAsync(_options.S3BucketName, objectKey, cancellationToken);
        return await BinaryData.FromStreamAsync(response.ResponseStream, cancellationToken);
    }

    private async Task DeleteReplacedObjectAsync(UpdateItemResponse response, string? uploaded)
    {
        if (response.Attributes is { } old && old.TryGetValue(S3KeyAttribute, out var previous) && previous.S is { } objectKey && objectKey != uploaded)
        {
            await DeleteObjectQuietlyAsync(objectKey);
        }
    }

    // Best effort: an object nobody points at any more is garbage, not a consistency problem (a bucket lifecycle rule
    // on the prefix is the backstop).
    private async Task DeleteObjectQuietlyAsync(string objectKey)
    {
        if (_s3 is null)
        {
            return;
        }

        try
        {
            await _s3.Client.DeleteObjectAsync(_options.S3BucketName, objectKey);
        }
        catch (Exception e)
        {
            LogOrphanedObject(_logger, e, _name, objectKey);
        }
    }

    private static string Hash(string pk, string stateName) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{pk}\n{stateName}")));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage {Name}: could not delete the replaced S3 object {ObjectKey}")]
    private static partial void LogOrphanedObject(ILogger logger, Exception exception, string name, string objectKey);
}
