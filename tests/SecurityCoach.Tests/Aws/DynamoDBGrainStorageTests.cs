using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using SecurityCoach.Providers.Aws.Storage;

namespace SecurityCoach.Tests.Aws;

/// <summary>The conformance suite and the DynamoDB-specific behaviour (key layout, S3 claim check, bad payloads).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDBGrainStorageTests(LocalAwsFixture aws) : GrainStorageConformance
{
    private Task<IHost> Host() => aws.SharedHost("grain-storage", StorageHosts.StartDynamoDB);

    protected override async Task<IGrainStorage> Storage() => (await Host()).Services.GetRequiredKeyedService<IGrainStorage>(StorageHosts.DynamoDB);

    private async Task<string> Table() =>
        (await Host()).Services.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(StorageHosts.DynamoDB).TableName;

    [Fact]
    public async Task Items_are_keyed_by_service_and_grain_with_the_state_name_as_sort_key()
    {
        var grain = NewGrain();
        await (await Storage()).WriteStateAsync("profile", grain, State("a", 1));

        var item = (await aws.DynamoDB.GetItemAsync(new GetItemRequest
        {
            TableName = await Table(),
            Key = new() { ["PK"] = new AttributeValue { S = $"conformance/{grain}" }, ["SK"] = new AttributeValue { S = "profile" } },
            ConsistentRead = true,
        })).Item;

        Assert.NotNull(item);
        Assert.Equal("1", item["Version"].N);
    }

    [Fact]
    public async Task A_state_with_an_expiry_carries_it_for_the_tables_time_to_live_and_a_later_write_without_one_removes_it()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var key = new Dictionary<string, AttributeValue> { ["PK"] = new() { S = $"conformance/{grain}" }, ["SK"] = new() { S = "state" } };
        async Task<Dictionary<string, AttributeValue>> Item() =>
            (await aws.DynamoDB.GetItemAsync(new GetItemRequest { TableName = await Table(), Key = key, ConsistentRead = true })).Item;

        var expiring = State("ended", 1_800_000_000);
        await storage.WriteStateAsync("state", grain, expiring);
        Assert.Equal("1800000000", (await Item())[DynamoDBGrainStorageOptions.TimeToLiveAttribute].N);

        await storage.WriteStateAsync("state", grain, State("running again", 1, expiring.ETag));
        Assert.False((await Item()).ContainsKey(DynamoDBGrainStorageOptions.TimeToLiveAttribute));

        var ttl = await aws.DynamoDB.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = await Table() });
        Assert.Equal(DynamoDBGrainStorageOptions.TimeToLiveAttribute, ttl.TimeToLiveDescription.AttributeName);
        Assert.True(ttl.TimeToLiveDescription.TimeToLiveStatus.Value is "ENABLED" or "ENABLING", ttl.TimeToLiveDescription.TimeToLiveStatus.Value);
    }

    [Fact]
    public async Task State_over_the_inline_limit_goes_to_S3_and_reads_back_whole()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var big = LargeState(600 * 1024);

        await storage.WriteStateAsync("state", grain, big);
        var read = await Read(grain);

        Assert.True(read.RecordExists);
        Assert.Equal(big.State!.Items, read.State!.Items);
        Assert.Single(await ObjectsOf(grain));
    }

    [Fact]
    public async Task Replacing_or_clearing_a_large_state_deletes_its_old_S3_object()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = LargeState(500 * 1024);
        await storage.WriteStateAsync("state", grain, state);
        var first = await ObjectsOf(grain);

        state.State!.Items.Add("one more");
        await storage.WriteStateAsync("state", grain, state);
        var second = await ObjectsOf(grain);

        Assert.Single(second);
        Assert.NotEqual(first, second);
        Assert.Equal("one more", (await Read(grain)).State!.Items[^1]);

        await storage.ClearStateAsync("state", grain, state);
        Assert.Empty(await ObjectsOf(grain));
        Assert.False((await Read(grain)).RecordExists);
    }

    [Fact]
    public async Task A_large_state_after_a_small_one_and_back_keeps_the_etag_contract()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = State("small", 1);
        await storage.WriteStateAsync("state", grain, state);
        var small = state.ETag;

        state.State!.Items = LargeState(400 * 1024).State!.Items;
        await storage.WriteStateAsync("state", grain, state);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("state", grain, State("stale", 0, small)));

        state.State!.Items = ["small again"];
        await storage.WriteStateAsync("state", grain, state);

        Assert.Equal(["small again"], (await Read(grain)).State!.Items);
        Assert.Empty(await ObjectsOf(grain));
    }

    [Fact]
    public async Task Without_a_bucket_a_large_state_is_rejected_and_nothing_is_written()
    {
        var storage = (await Host()).Services.GetRequiredKeyedService<IGrainStorage>(StorageHosts.DynamoDBWithoutS3);
        var grain = NewGrain();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.WriteStateAsync("state", grain, LargeState(500 * 1024)));

        Assert.Contains("S3BucketName", error.Message, StringComparison.Ordinal);
        Assert.False((await Read(grain)).RecordExists);
    }

    [Fact]
    public async Task A_corrupted_payload_fails_the_read_instead_of_returning_an_empty_state()
    {
        var grain = NewGrain();
        await (await Storage()).WriteStateAsync("state", grain, State("a", 1));
        await aws.DynamoDB.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = await Table(),
            Key = new() { ["PK"] = new AttributeValue { S = $"conformance/{grain}" }, ["SK"] = new AttributeValue { S = "state" } },
            UpdateExpression = "SET #st = :garbage",
            ExpressionAttributeNames = new() { ["#st"] = "State" },
            ExpressionAttributeValues = new() { [":garbage"] = new AttributeValue { B = new MemoryStream([0x7b, 0x22, 0xff, 0x00]) } },
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Read(grain));

        Assert.Contains(grain.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_and_reads_report_the_capacity_units_DynamoDB_charges_by_the_items_size()
    {
        var storage = await Storage();
        var table = await Table();
        var units = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Providers.Aws.Streaming.SqsStreamMetrics.MeterName && instrument.Name.StartsWith("securitycoach.dynamodb.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "table" && Equals(tag.Value, table))
                {
                    units.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
                }
            }
        });
        listener.Start();
        var grain = NewGrain();

        // About 3.1 KB of item: DynamoDB rounds a write up to whole kilobytes, a strongly consistent read to 4 KB.
        await storage.WriteStateAsync("state", grain, LargeState(3 * 1024));
        await Read(grain);

        Assert.Equal(4, units.GetValueOrDefault(Providers.Aws.DynamoDBCapacity.WriteUnitsName));
        Assert.Equal(1, units.GetValueOrDefault(Providers.Aws.DynamoDBCapacity.ReadUnitsName));
    }

    private static GrainState<ConformanceState> LargeState(int bytes)
    {
        var random = new Random(bytes);
        // Random hex does not compress: the size on the wire stays what the test asks for.
        var items = Enumerable.Range(0, bytes / 1024).Select(_ => Convert.ToHexString(random.GetItems<byte>(new byte[256], 512))).ToList();
        return new GrainState<ConformanceState>(new ConformanceState { Name = "large", Items = items });
    }

    private async Task<List<string>> ObjectsOf(GrainId grain)
    {
        var pk = $"conformance/{grain}";
        var prefix = $"grain-state/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{pk}\nstate")))}/";
        var listing = await aws.S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = StorageHosts.Bucket, Prefix = prefix });
        return (listing.S3Objects ?? []).Select(o => o.Key).ToList();
    }
}
