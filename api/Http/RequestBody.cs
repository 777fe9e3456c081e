using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SecurityCoach.Api.Http;

/// <summary>A request body read into memory, at most a given size.</summary>
public sealed class BufferedBody : IDisposable
{
    private byte[]? _buffer;

    internal BufferedBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>Reading request bodies: content type, size limit, JSON.</summary>
public static class RequestBody
{
    /// <summary>Limit for the small JSON bodies of the management endpoints.</summary>
    public const int ManagementBodyLimit = 1024 * 1024;

    /// <summary>The media type of the request without parameters (charset …), lower-case; empty when absent.</summary>
    public static string MediaType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) && parsed.MediaType is { } media
            ? media.ToLowerInvariant()
            : "";

    /// <summary>
    /// Reads the whole body into a pooled buffer. Over <paramref name="limit"/> bytes → 413, checked against
    /// Content-Length first and against the bytes actually read (a chunked body has no length).
    /// </summary>
    public static async Task<(BufferedBody? Body, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            return (null, Problems.PayloadTooLarge(limit));
        }

        var capacity = (int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, Problems.PayloadTooLarge(limit));
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return (new BufferedBody(buffer, length), null);
    }

    /// <summary>
    /// Reads a JSON management body into <typeparamref name="T"/>: 415 unless application/json, 413 over the limit,
    /// 400 when it is not JSON, 422 naming the field when a value has the wrong type or the field is unknown.
    /// </summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (MediaType(request) != "application/json")
        {
            return (null, Problems.UnsupportedMediaType("Send the body as application/json."));
        }

        var (body, problem) = await ReadAsync(request, ManagementBodyLimit, cancellationToken);
        if (body is null)
        {
            return (null, problem);
        }

        using (body)
        {
            return ParseJson<T>(body.Memory);
        }
    }

    /// <summary>
    /// Parses a JSON object into <typeparamref name="T"/>: 400 when it is not a JSON object, 422 naming the field when
    /// a value has the wrong type or the field is unknown.
    /// </summary>
    public static (T? Value, ProblemHttpResult? Problem) ParseJson<T>(ReadOnlyMemory<byte> body)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest("malformed-json", $"The body is not valid JSON: {e.Message}"));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.BadRequest("malformed-json", "The body must be a JSON object."));
            }

            try
            {
                var value = document.RootElement.Deserialize<T>(ApiJson.Strict);
                return value is null
                    ? (null, Problems.BadRequest("malformed-json", "The body must be a JSON object."))
                    : (value, null);
            }
            catch (JsonException e)
            {
                var field = (e.Path ?? "$").TrimStart('$').TrimStart('.');
                return (null, Problems.Invalid([new FieldError(field.Length == 0 ? "(body)" : field, DescribeJsonError(e))]));
            }
        }
    }

    private static string DescribeJsonError(JsonException e) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field" : "has the wrong type";
}
