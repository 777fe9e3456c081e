using System.Text;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SecurityCoach.Providers.Aws.Audit;
using SecurityCoach.Providers.Aws.Internal;
using SecurityCoach.Silo;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>The S3 NDJSON batcher against fauxqs' S3: when it writes, what keys it uses, what the objects hold.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3NdjsonBatcherTests(LocalAwsFixture aws)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_partition_past_the_size_limit_is_written_without_waiting_for_the_timer()
    {
        var (bucket, prefix) = await NewPlace(createBucket: true);
        await using var batcher = NewBatcher(bucket, prefix, new FakeTimeProvider(Start), flushBytes: 1024);

        var lines = Lines("t1", 30);
        foreach (var line in lines)
        {
            batcher.Append("t1", Encoding.UTF8.GetBytes(line));
        }

        var keys = await Eventually.Until(() => Keys(bucket, prefix), k => k.Count >= 1, "size flush of partition t1", TimeSpan.FromSeconds(10));
        var written = await ReadLines(bucket, keys[0]);
        Assert.True(written.Length * lines[0].Length >= 1024, $"{written.Length} lines in the first object");
        Assert.Equal(lines[..written.Length], written);
    }

    [Fact]
    public async Task Expiring_a_partition_deletes_its_objects_of_hours_ended_before_the_cutoff_and_nothing_else()
    {
        var (bucket, prefix) = await NewPlace(createBucket: true);
        await using var batcher = NewBatcher(bucket, prefix, new FakeTimeProvider(Start));
        string[] keys =
        [
            $"{prefix}t1/2026/11/20/09/silo-1-00000001.ndjson", // days before the cutoff
            $"{prefix}t1/2026/11/25/12/silo-1-00000002.ndjson", // the hour 12–13 ended before 13:30
            $"{prefix}t1/2026/11/25/13/silo-1-00000003.ndjson", // 13–14 has not ended at 13:30: kept
            $"{prefix}t1/notes.txt",                              // not an hour's object: kept
            $"{prefix}t10/2026/11/20/09/silo-1-00000004.ndjson", // another tenant whose id starts the same: kept
            $"{prefix}t2/2026/11/20/09/silo-1-00000005.ndjson", // another tenant: kept
        ];
        foreach (var key in keys)
        {
            await aws.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "{}" });
        }

        var deleted = await batcher.DeleteOlderThanAsync("t1", new DateTimeOffset(2026, 11, 25, 13, 30, 0, TimeSpan.Zero), default);

        Assert.Equal(2, deleted);
        Assert.Equal(keys[2..].Order(StringComparer.Ordinal), (await Keys(bucket, prefix)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Buffers_are_written_when_the_flush_interval_passes()
    {
        var (bucket, prefix) = await NewPlace(createBucket: true);
        var time = new FakeTimeProvider(Start);
        await using var batcher = NewBatcher(bucket, prefix, time);
        batcher.StartTimer();

        batcher.Append("t1", """{"n":1}"""u8);
        Assert.Empty(await Keys(bucket, prefix));

        time.Advance(TimeSpan.FromSeconds(10));
        var keys = await Eventually.Until(() => Keys(bucket, prefix), k => k.Count == 1, "time flush", TimeSpan.FromSeconds(10));
        Assert.Equal(["""{"n":1}"""], await ReadLines(bucket, keys[0]));
    }

    [Fact]
    public async Task Dispose_writes_one_object_per_partition_under_the_hour_of_its_lines()
    {
        var (bucket, prefix) = await NewPlace(createBucket: true);
        var batcher = NewBatcher(bucket, prefix, new FakeTimeProvider(Start));
        batcher.Append("tenant-a", """{"n":1}"""u8);
        batcher.Append("tenant-b", """{"n":2}"""u8);
        batcher.Append("tenant-a", """{"n":3}"""u8);

        await batcher.DisposeAsync();

        var keys = await Keys(bucket, prefix);
        Assert.Equal(2, keys.Count);
        var a = Assert.Single(keys, k => k.StartsWith($"{prefix}tenant-a/2026/11/25/14/silo-1-", StringComparison.Ordinal));
        var b = Assert.Single(keys, k => k.StartsWith($"{prefix}tenant-b/2026/11/25/14/silo-1-", StringComparison.Ordinal));
        Assert.EndsWith(".ndjson", a, StringComparison.Ordinal);
        Assert.Equal(["""{"n":1}""", """{"n":3}"""], await ReadLines(bucket, a));
        Assert.Equal(["""{"n":2}"""], await ReadLines(bucket, b));
    }

    [Fact]
    public async Task Lines_of_a_new_hour_start_a_new_object()
    {
        var (bucket, prefix) = await NewPlace(createBucket: true);
        var time = new FakeTimeProvider(Start);
        var batcher = NewBatcher(bucket, prefix, time);
        batcher.Append("t1", """{"n":1}"""u8);
        time.Advance(TimeSpan.FromMinutes(45));
        batcher.Append("t1", """{"n":2}"""u8);

        await batcher.DisposeAsync();

        var keys = await Keys(bucket, prefix);
        Assert.Equal(2, keys.Count);
        Assert.Equal(["""{"n":1}"""], await ReadLines(bucket, Assert.Single(keys, k => k.Contains("/2026/11/25/14/", StringComparison.Ordinal))));
        Assert.Equal(["""{"n":2}"""], await ReadLines(bucket, Assert.Single(keys, k => k.Contains("/2026/11/25/15/", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task An_audit_record_whose_writer_throws_is_skipped_and_the_next_one_is_kept()
    {
        var (bucket, prefix) = await NewPlace(createBucket: true);
        var time = new FakeTimeProvider(Start);
        var batcher = NewBatcher(bucket, prefix, time);
        var audit = new S3AuditLog(batcher, time, NullLogger<S3AuditLog>.Instance);

        audit.Record("t1", AuditKinds.Score, 0, static (writer, _) =>
        {
            writer.WriteStartObject("half");
            throw new InvalidOperationException("a bug in the caller");
        });
        audit.Record("t1", AuditKinds.Score, 7, static (writer, n) => writer.WriteNumber("n", n));
        await batcher.DisposeAsync();

        var line = Assert.Single(await ReadLines(bucket, Assert.Single(await Keys(bucket, prefix))));
        Assert.Equal("""{"kind":"score","tenant":"t1","at":"2026-11-25T14:30:00+00:00","n":7}""", line);
    }

    [Fact]
    public async Task A_failed_upload_stays_buffered_and_is_written_by_the_next_flush()
    {
        var (bucket, prefix) = await NewPlace(createBucket: false);
        await using var batcher = NewBatcher(bucket, prefix, new FakeTimeProvider(Start));
        batcher.Append("t1", """{"n":1}"""u8);

        await batcher.FlushAsync();
        Assert.True(batcher.BufferedBytes > 0, "the line is still buffered after the failed upload to a missing bucket");

        await aws.S3.PutBucketAsync(bucket);
        batcher.Append("t1", """{"n":2}"""u8);
        await batcher.FlushAsync();

        Assert.Equal(0, batcher.BufferedBytes);
        var keys = await Keys(bucket, prefix);
        Assert.Equal(2, keys.Count);
        Assert.Equal(["""{"n":1}""", """{"n":2}"""], [.. (await Task.WhenAll(keys.Select(k => ReadLines(bucket, k)))).SelectMany(l => l)]);
    }

    [Fact]
    public async Task Past_the_buffer_cap_the_oldest_lines_are_dropped()
    {
        var (bucket, prefix) = await NewPlace(createBucket: false);
        await using var batcher = NewBatcher(bucket, prefix, new FakeTimeProvider(Start), flushBytes: 1024, maxBufferedBytes: 2048);
        var lines = Lines("t1", 100);
        foreach (var line in lines)
        {
            batcher.Append("t1", Encoding.UTF8.GetBytes(line));
        }

        await batcher.FlushAsync();
        Assert.InRange(batcher.BufferedBytes, 1, 2048);

        await aws.S3.PutBucketAsync(bucket);
        await batcher.FlushAsync();
        var kept = (await Task.WhenAll((await Keys(bucket, prefix)).Select(k => ReadLines(bucket, k)))).SelectMany(l => l).ToArray();
        Assert.NotEmpty(kept);
        Assert.True(kept.Length < lines.Length, $"{kept.Length} of {lines.Length} lines kept");
        Assert.Equal(lines[^kept.Length..], kept);
    }

    private S3NdjsonBatcher NewBatcher(string bucket, string prefix, TimeProvider time, int flushBytes = 1024 * 1024, long maxBufferedBytes = 64L * 1024 * 1024) =>
        new(new S3NdjsonBatcherOptions
        {
            BucketName = bucket,
            KeyPrefix = prefix,
            InstanceId = "silo-1",
            FlushBytes = flushBytes,
            MaxBufferedBytes = maxBufferedBytes,
        }, new OwnedClient<Amazon.S3.IAmazonS3>(aws.S3, false), time, NullLogger<S3NdjsonBatcher>.Instance);

    private async Task<(string Bucket, string Prefix)> NewPlace(bool createBucket)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var bucket = $"audit-{run}";
        if (createBucket)
        {
            await aws.S3.PutBucketAsync(bucket);
        }

        return (bucket, "audit/");
    }

    private static string[] Lines(string partition, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $$"""{"partition":"{{partition}}","n":{{i:D4}},"pad":"................"}""")];

    private async Task<List<string>> Keys(string bucket, string prefix)
    {
        var listed = await aws.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        return [.. (listed.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal)];
    }

    private async Task<string[]> ReadLines(string bucket, string key)
    {
        using var response = await aws.S3.GetObjectAsync(bucket, key);
        using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
