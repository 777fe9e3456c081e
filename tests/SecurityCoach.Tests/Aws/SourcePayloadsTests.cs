using System.Text;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Silo.Sources;

namespace SecurityCoach.Tests.Aws;

public sealed class SourcePayloadsTests
{
    private static IEventNormalizer Vendor(string name) => EventNormalizers.TryGet(name, out var normalizer) ? normalizer : throw new ArgumentException(name);

    [Theory]
    [InlineData("crowdstrike", "{\"a\":1}", IngestBody.Json)]
    [InlineData("crowdstrike", "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"c\": 2\n}\n", IngestBody.Json)]
    [InlineData("crowdstrike", "[{\"a\":1},\n{\"a\":2}]", IngestBody.Json)]
    [InlineData("crowdstrike", "{\"a\":1}\n{\"a\":2}\n", IngestBody.Ndjson)]
    [InlineData("paloalto", "<14>Dec 31 07:07:07 fw01 1,2025/12/31 07:07:07,THREAT,url\n", "text/plain")]
    [InlineData("paloalto", "\"<14>Dec 31 07:07:07 fw01 1,THREAT\"\n\"<14>Dec 31 07:07:08 fw01 1,THREAT\"", IngestBody.Ndjson)]
    public void A_queued_body_is_read_as_the_media_type_its_shape_shows(string vendor, string body, string expected) =>
        Assert.Equal(expected, SourcePayloads.MediaTypeOf(Vendor(vendor), Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void An_sns_wrapped_notification_names_its_created_objects_with_keys_decoded()
    {
        const string inner = """{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"logs"},"object":{"key":"a/b+c%3D1.gz"}}},{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"logs"},"object":{"key":"gone"}}}]}""";
        var sns = System.Text.Json.JsonSerializer.Serialize(new { Type = "Notification", Message = inner });

        Assert.True(SourcePayloads.TryReadS3Notification(sns, out var objects, out var error));

        Assert.Null(error);
        Assert.Equal([new S3ObjectRef("logs", "a/b c=1.gz")], objects);
    }

    [Theory]
    [InlineData("""{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"logs"}""", true, null)]
    [InlineData("""{"Records":[{"s3":{"bucket":{"name":"logs"}}}]}""", false, "Records[0] names no s3.bucket.name and s3.object.key")]
    [InlineData("""{"detail":{}}""", false, "no Records array")]
    [InlineData("[1]", false, "not a JSON object")]
    public void A_notification_without_objects_is_consumed_and_a_malformed_one_refused(string body, bool ok, string? expectedError)
    {
        Assert.Equal(ok, SourcePayloads.TryReadS3Notification(body, out var objects, out var error));
        Assert.Empty(objects);
        Assert.Equal(expectedError, error);
    }

    [Fact]
    public async Task Gunzip_stops_at_the_limit()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new byte[100_000]);
        }

        Assert.True(SourcePayloads.IsGzip("x.ndjson", null, compressed.ToArray()));
        Assert.Null(await SourcePayloads.GunzipAtMostAsync(compressed.ToArray(), 99_999, CancellationToken.None));
        Assert.Equal(100_000, (await SourcePayloads.GunzipAtMostAsync(compressed.ToArray(), 100_000, CancellationToken.None))!.Length);
    }

    [Fact]
    public void A_line_payload_splits_into_chunks_of_whole_lines_within_both_limits()
    {
        var body = "aaaa\nbbbb\n\ncccc\ndddd\neeeeeeeeeeeeeeeeeeee\nffff"u8.ToArray();

        var byLines = SourcePayloads.LineChunks(body, maxBytes: 1_000, maxLines: 2).Select(c => Encoding.UTF8.GetString(c.Span)).ToList();
        var byBytes = SourcePayloads.LineChunks(body, maxBytes: 12, maxLines: 100).Select(c => Encoding.UTF8.GetString(c.Span)).ToList();

        // Blank lines do not count as records; every byte is in exactly one chunk, in order.
        Assert.Equal(["aaaa\nbbbb\n\n", "cccc\ndddd\n", "eeeeeeeeeeeeeeeeeeee\nffff"], byLines);
        // A line longer than the limit is a chunk of its own.
        Assert.Equal(["aaaa\nbbbb\n\n", "cccc\ndddd\n", "eeeeeeeeeeeeeeeeeeee\n", "ffff"], byBytes);
        Assert.Equal(body, byBytes.SelectMany(Encoding.UTF8.GetBytes));
    }
}
