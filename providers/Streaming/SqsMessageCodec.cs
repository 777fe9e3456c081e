using System.Buffers;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Orleans.Serialization;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// SQS message bodies of the stream provider. A body is a small JSON envelope, so an operator reading a queue or its
/// dead-letter queue sees what it is: <c>{"v":2,"batches":["&lt;base64&gt;",…]}</c> carries the Orleans-serialized
/// batches of several streams (the packed form every batch that fits a message takes),
/// <c>{"v":1,"data":"&lt;base64&gt;"}</c> one batch, the part of a batch too large for one message,
/// <c>{"v":1,"bucket":"…","key":"…","bytes":n}</c> one event in S3 (claim check). The batch itself uses the Orleans
/// serializer rather than JSON because events are whatever types the application streams, and the Orleans serializer
/// already knows them (with version tolerance) — a JSON body would need a second serializer configuration and type
/// names per event. Base64 costs a third more bytes; the size limit is checked on the encoded body.
/// </summary>
internal sealed class SqsMessageCodec(string name, SqsStreamOptions options, Serializer serializer, OwnedClient<IAmazonS3>? s3)
{
    private const int Version = 1;
    private const int PackedVersion = 2;

    /// <summary>Characters of a packed body around its entries: <c>{"v":2,"batches":[</c> and <c>]}</c>.</summary>
    public const int EmptyPackedBodyBytes = 20;

    /// <summary>Characters one batch of this many serialized bytes takes in a packed body (base64, quotes, comma).</summary>
    public static int PackedEntryBytes(int payloadBytes) => ((payloadBytes + 2) / 3 * 4) + 3;

    /// <summary>The Orleans-serialized form of one stream batch, as a packed body carries it.</summary>
    public byte[] Serialize(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext) =>
        serializer.SerializeToArray(new StreamBatchContainer(streamId, events, requestContext));

    /// <summary>A packed body of serialized batches (<see cref="Serialize"/>), in order.</summary>
    public static string PackedBody(IEnumerable<byte[]> payloads)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", PackedVersion);
            writer.WriteStartArray("batches");
            foreach (var payload in payloads)
            {
                writer.WriteBase64StringValue(payload);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    /// <summary>Bodies for the events of a batch too large for one packed message, in order: as many as it needs, S3 pointers for events that alone do not fit.</summary>
    public async Task<List<EncodedBody>> EncodeAsync(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext, int maxBytes, CancellationToken cancellationToken)
    {
        var bodies = new List<EncodedBody>(1);
        await AppendAsync(bodies, streamId, events, requestContext, maxBytes, cancellationToken);
        return bodies;
    }

    public async Task<DecodedBody> DecodeAsync(string body, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.TryGetProperty("v", out var packed) && packed.ValueKind == JsonValueKind.Number && packed.GetInt32() == PackedVersion)
        {
            var batches = new List<StreamBatchContainer>();
            foreach (var entry in root.GetProperty("batches").EnumerateArray())
            {
                batches.Add(serializer.Deserialize<StreamBatchContainer>(entry.GetBytesFromBase64()) ?? throw new FormatException("A packed entry holds no batch."));
            }

            return batches.Count > 0 ? new DecodedBody(batches, null) : throw new FormatException("The message holds no batch.");
        }

        if (!root.TryGetProperty("v", out var version) || version.GetInt32() != Version)
        {
            throw new FormatException($"Not a stream message of version {Version} or {PackedVersion}.");
        }

        byte[] payload;
        string? objectKey = null;
        if (root.TryGetProperty("data", out var data))
        {
            payload = data.GetBytesFromBase64();
        }
        else
        {
            var bucket = root.GetProperty("bucket").GetString()!;
            objectKey = root.GetProperty("key").GetString()!;
            payload = await DownloadAsync(bucket, objectKey, cancellationToken);
        }

        var batch = serializer.Deserialize<StreamBatchContainer>(payload)
            ?? throw new FormatException("The message holds no batch.");
        return new DecodedBody([batch], objectKey is null ? null : new OffloadedObject(root.GetProperty("bucket").GetString()!, objectKey));
    }

    public async Task DeleteObjectAsync(OffloadedObject offloaded, CancellationToken cancellationToken)
    {
        if (s3 is not null)
        {
            await s3.Client.DeleteObjectAsync(offloaded.Bucket, offloaded.Key, cancellationToken);
        }
    }

    private async Task AppendAsync(List<EncodedBody> bodies, StreamId streamId, List<object> events, Dictionary<string, object>? requestContext, int maxBytes, CancellationToken cancellationToken)
    {
        var payload = serializer.SerializeToArray(new StreamBatchContainer(streamId, events, requestContext));
        var inline = Inline(payload);
        if (inline.Length <= maxBytes)
        {
            bodies.Add(new EncodedBody(inline, null));
            return;
        }

        if (events.Count > 1)
        {
            // Halving keeps the events in order across the messages and serializes each event O(log n) times at most,
            // only on this rare path.
            var half = events.Count / 2;
            await AppendAsync(bodies, streamId, events.GetRange(0, half), requestContext, maxBytes, cancellationToken);
            await AppendAsync(bodies, streamId, events.GetRange(half, events.Count - half), requestContext, maxBytes, cancellationToken);
            return;
        }

        bodies.Add(await OffloadAsync(streamId, payload, maxBytes, cancellationToken));
    }

    private static string Inline(byte[] payload)
    {
        var buffer = new ArrayBufferWriter<byte>(((payload.Length + 2) / 3 * 4) + 24);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", Version);
            writer.WriteBase64String("data", payload);
            writer.WriteEndObject();
        }

        return Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    private async Task<EncodedBody> OffloadAsync(StreamId streamId, byte[] payload, int maxBytes, CancellationToken cancellationToken)
    {
        if (s3 is null || options.S3BucketName is not { } bucket)
        {
            throw new InvalidOperationException(
                $"SQS stream provider '{name}': an event on stream {streamId} serializes to a {payload.Length}-byte message body, over the message size limit " +
                $"({maxBytes}), and no S3BucketName is configured to hold it. Nothing was sent.");
        }

        var key = $"{options.S3KeyPrefix}{Guid.NewGuid():N}";
        using (var body = new MemoryStream(payload, writable: false))
        {
            await s3.Client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = body,
                ContentType = "application/octet-stream",
            }, cancellationToken);
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", Version);
            writer.WriteString("bucket", bucket);
            writer.WriteString("key", key);
            writer.WriteNumber("bytes", payload.Length);
            writer.WriteEndObject();
        }

        return new EncodedBody(Encoding.UTF8.GetString(buffer.WrittenSpan), new OffloadedObject(bucket, key));
    }

    private async Task<byte[]> DownloadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        if (s3 is null)
        {
            throw new InvalidOperationException($"SQS stream provider '{name}': a message points at s3://{bucket}/{key} but no S3 client is configured (S3BucketName).");
        }

        using var response = await s3.Client.GetObjectAsync(bucket, key, cancellationToken);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}

internal sealed record OffloadedObject(string Bucket, string Key);

internal sealed record EncodedBody(string Body, OffloadedObject? Offloaded);

internal sealed record DecodedBody(List<StreamBatchContainer> Batches, OffloadedObject? Offloaded);
