using System.IO.Compression;
using System.Net;
using System.Text.Json;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Silo.Sources;

/// <summary>An object an S3 event notification announces.</summary>
public readonly record struct S3ObjectRef(string Bucket, string Key);

/// <summary>
/// What a queue source reads: the media type a payload would have been posted with, gzip, and S3 event notifications
/// (bare, or wrapped in an SNS notification when the bucket notifies a topic the queue subscribes to).
/// </summary>
public static class SourcePayloads
{
    /// <summary>
    /// Queues carry no content type: JSON and NDJSON are told apart by their shape (NDJSON has a line that starts a
    /// new value), and for a line vendor anything not starting like JSON is log lines.
    /// </summary>
    public static string MediaTypeOf(IEventNormalizer normalizer, ReadOnlySpan<byte> body)
    {
        var trimmed = body.StartsWith("\uFEFF"u8) ? body[3..] : body;
        trimmed = trimmed.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty)
        {
            return IngestBody.Json;
        }

        var first = trimmed[0];
        if (normalizer is ILineNormalizer && first is not ((byte)'{' or (byte)'[' or (byte)'"'))
        {
            return "text/plain";
        }

        if (first == (byte)'[')
        {
            return IngestBody.Json;
        }

        // A pretty-printed object never starts a line with '{' or '"' at column 0 after its first line; NDJSON does.
        var end = trimmed.TrimEnd(" \t\r\n"u8);
        return end.IndexOf("\n{"u8) >= 0 || end.IndexOf("\n\""u8) >= 0 ? IngestBody.Ndjson : IngestBody.Json;
    }

    /// <summary>
    /// Splits a line-based payload (NDJSON, log lines) into chunks of whole lines, each at most
    /// <paramref name="maxBytes"/> bytes and <paramref name="maxLines"/> non-blank lines. A single line longer than
    /// <paramref name="maxBytes"/> is a chunk of its own (the pipeline then refuses it as too large).
    /// </summary>
    public static List<ReadOnlyMemory<byte>> LineChunks(ReadOnlyMemory<byte> body, long maxBytes, int maxLines)
    {
        var chunks = new List<ReadOnlyMemory<byte>>();
        var span = body.Span;
        int start = 0, lines = 0, position = 0;
        while (position < span.Length)
        {
            var newline = span[position..].IndexOf((byte)'\n');
            var lineEnd = newline < 0 ? span.Length : position + newline + 1;
            var blank = span[position..lineEnd].Trim(" \t\r\n"u8).IsEmpty;
            if (!blank && position > start && (lines == maxLines || lineEnd - start > maxBytes))
            {
                chunks.Add(body[start..position]);
                start = position;
                lines = 0;
            }

            lines += blank ? 0 : 1;
            position = lineEnd;
        }

        if (position > start)
        {
            chunks.Add(body[start..position]);
        }

        return chunks;
    }

    /// <summary>Gzip is recognised by its magic bytes as well, since writers do not always name or label it.</summary>
    public static bool IsGzip(string key, string? contentEncoding, ReadOnlySpan<byte> start) =>
        key.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
        || string.Equals(contentEncoding, "gzip", StringComparison.OrdinalIgnoreCase)
        || start.StartsWith((ReadOnlySpan<byte>)[0x1f, 0x8b]);

    /// <summary>Reads <paramref name="stream"/> whole; null when it holds more than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAtMostAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }
    }

    /// <summary>The decompressed bytes, or null when they exceed <paramref name="limit"/> (a gzip bomb stops there).</summary>
    public static async Task<byte[]?> GunzipAtMostAsync(byte[] compressed, long limit, CancellationToken cancellationToken)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        return await ReadAtMostAsync(gzip, limit, cancellationToken);
    }

    /// <summary>
    /// The objects an S3 event notification announces as created; empty for S3's <c>s3:TestEvent</c> and for other
    /// event types. False when the body is not a notification at all.
    /// </summary>
    public static bool TryReadS3Notification(string body, out List<S3ObjectRef> objects, out string? error)
    {
        objects = [];
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Type", out var type) && type.ValueEquals("Notification")
                && root.TryGetProperty("Message", out var message) && message.ValueKind == JsonValueKind.String)
            {
                return TryReadS3Notification(message.GetString()!, out objects, out error);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            if (root.TryGetProperty("Event", out var testEvent) && testEvent.ValueEquals("s3:TestEvent"))
            {
                error = null;
                return true;
            }

            if (!root.TryGetProperty("Records", out var records) || records.ValueKind != JsonValueKind.Array)
            {
                error = "no Records array";
                return false;
            }

            var i = 0;
            foreach (var record in records.EnumerateArray())
            {
                if (record.ValueKind == JsonValueKind.Object && record.TryGetProperty("eventName", out var eventName)
                    && eventName.ValueKind == JsonValueKind.String && !eventName.GetString()!.StartsWith("ObjectCreated:", StringComparison.Ordinal))
                {
                    i++;
                    continue;
                }

                if (record.ValueKind != JsonValueKind.Object
                    || !record.TryGetProperty("s3", out var s3) || s3.ValueKind != JsonValueKind.Object
                    || !s3.TryGetProperty("bucket", out var bucket) || bucket.ValueKind != JsonValueKind.Object
                    || !bucket.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                    || !s3.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object
                    || !obj.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String)
                {
                    error = $"Records[{i}] names no s3.bucket.name and s3.object.key";
                    return false;
                }

                // S3 writes keys URL-encoded, a space as '+'.
                objects.Add(new S3ObjectRef(name.GetString()!, WebUtility.UrlDecode(key.GetString()!)));
                i++;
            }

            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
    }
}
