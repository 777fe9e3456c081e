using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api.Http;

/// <summary>What became of one record of an ingest body: its event, or why it was rejected.</summary>
/// <param name="Index">The top-level value: position in the JSON array (0 for a single object), or the number of
/// the non-blank NDJSON / text line, from 0.</param>
/// <param name="Item">Where inside that value, when an envelope held the record: <c>records[3]</c>,
/// <c>clicksBlocked[0]</c>, <c>data[0].clickLogs[2]</c>; null otherwise (and for accepted records).</param>
/// <param name="Event">The normalized event, or null when rejected.</param>
/// <param name="Error">Why the record was rejected, or null.</param>
public readonly record struct IngestOutcome(int Index, string? Item, SecurityEvent? Event, string? Error);

/// <summary>The limits an ingest body is held to (<c>SecurityCoach:Ingest</c>).</summary>
/// <param name="MaxEvents">Records in one request, counted after envelopes are unwrapped.</param>
/// <param name="MaxJsonDepth">Nesting of JSON objects and arrays.</param>
/// <param name="MaxStringBytes">Bytes of one JSON string or property name as sent (escapes included), or of one log line.</param>
public readonly record struct IngestLimits(int MaxEvents, int MaxJsonDepth, int MaxStringBytes)
{
    public static IngestLimits Default { get; } = new(10_000, 64, 128 * 1024);
}

/// <summary>Why a body was refused as a whole: a stable problem kind (the end of its <c>type</c> URI) and words for people.</summary>
public readonly record struct BodyError(string Kind, string Detail)
{
    public const string Empty = "empty-body";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string Malformed = "malformed-json";
    public const string TooDeep = "json-too-deep";
    public const string StringTooLong = "string-too-long";
    public const string DuplicateKey = "duplicate-key";
    public const string TooManyEvents = "too-many-events";
}

/// <summary>
/// An ingest request body split into records: a JSON object, a JSON array of values or NDJSON, each top-level value
/// expanded by the vendor's <see cref="IEventNormalizer.AddRecords"/> (pagination envelopes); or, for vendors whose
/// logs are lines, <c>text/plain</c> / <c>text/csv</c> with one record per non-blank line.
/// </summary>
public sealed class IngestBody : IDisposable
{
    public const string Json = "application/json";
    public const string Ndjson = "application/x-ndjson";

    private readonly List<JsonDocument> _documents = [];
    private readonly List<Entry> _entries = [];
    private readonly List<VendorRecord> _expanded = [];

    private readonly IngestLimits _limits;
    private readonly JsonDocumentOptions _parseOptions;

    private IngestBody(IngestLimits limits)
    {
        _limits = limits;

        // A repeated property name is refused: parsers disagree on which copy wins, and a body that means one thing
        // to us and another to the next reader (a SIEM, the customer's pipeline) is a way to smuggle a value past us.
        _parseOptions = new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth, AllowDuplicateProperties = false };
    }

    /// <summary>The media types a vendor's endpoint takes: JSON for all, and text lines for line vendors.</summary>
    public static bool Accepts(IEventNormalizer normalizer, string mediaType) =>
        mediaType is Json or Ndjson || (normalizer is ILineNormalizer && IsText(mediaType));

    /// <summary>
    /// Splits <paramref name="body"/> (kept by the caller while this lives) with the default limits; null with a
    /// reason when it is refused as a whole.
    /// </summary>
    public static IngestBody? Parse(ReadOnlyMemory<byte> body, string mediaType, IEventNormalizer normalizer, out string? error)
    {
        var parsed = Parse(body, mediaType, normalizer, IngestLimits.Default, out var problem);
        error = parsed is null ? problem.Detail : null;
        return parsed;
    }

    /// <summary>
    /// Splits <paramref name="body"/> (kept by the caller while this lives); null with the reason when the body is
    /// refused as a whole: empty, not UTF-8, not valid JSON / NDJSON, or over one of <paramref name="limits"/>.
    /// A UTF-8 byte-order mark at the start is skipped.
    /// </summary>
    public static IngestBody? Parse(ReadOnlyMemory<byte> body, string mediaType, IEventNormalizer normalizer,
        IngestLimits limits, out BodyError error)
    {
        if (!Accepts(normalizer, mediaType))
        {
            error = new BodyError(BodyError.Malformed, $"{normalizer.Vendor} does not take {mediaType}");
            return null;
        }

        if (body.Span.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            error = new BodyError(BodyError.Empty, "The body is empty; send at least one event.");
            return null;
        }

        // Checked once for the whole body (vectorized), so that no normalizer meets bytes it cannot write out.
        if (!Utf8.IsValid(body.Span))
        {
            error = new BodyError(BodyError.InvalidUtf8, "The body is not valid UTF-8.");
            return null;
        }

        var parsed = new IngestBody(limits);
        error = IsText(mediaType) ? parsed.AddLines(body)
            : mediaType == Ndjson ? parsed.AddNdjson(body, normalizer)
            : parsed.AddJson(body, normalizer);
        if (error.Kind is null)
        {
            return parsed;
        }

        parsed.Dispose();
        return null;
    }

    /// <summary>Normalizes every record in order.</summary>
    public List<IngestOutcome> Normalize(IEventNormalizer normalizer, NormalizationContext context)
    {
        var outcomes = new List<IngestOutcome>(_entries.Count);
        foreach (var entry in _entries)
        {
            var recordContext = context with { Envelope = entry.Envelope };
            SecurityEvent? normalized;
            string? error;
            if (entry.Json.ValueKind == JsonValueKind.Undefined)
            {
                ((ILineNormalizer)normalizer).TryNormalizeLine(entry.Line.Span, recordContext, out normalized, out error);
            }
            else if (entry.Json.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
            {
                normalized = null;
                error = $"expected a JSON object, got {entry.Json.ValueKind.ToString().ToLowerInvariant()}";
            }
            else
            {
                normalizer.TryNormalize(entry.Json, recordContext, out normalized, out error);
            }

            if (normalized is not null && System.Text.Encoding.UTF8.GetByteCount(normalized.UserKey) is var bytes and > GrainKeys.MaxUserKeyBytes)
            {
                normalized = null;
                error = $"user-key-too-long: the event's user ({bytes} bytes in UTF-8) is longer than the {GrainKeys.MaxUserKeyBytes} bytes a user key may have";
            }

            // The item path is built only for the (rare) rejection that needs it.
            var item = entry.Envelope is null || normalized is not null ? null : $"{entry.Envelope}[{entry.Position}]";
            outcomes.Add(new IngestOutcome(entry.Index, item, normalized, error));
        }

        return outcomes;
    }

    public void Dispose()
    {
        foreach (var document in _documents)
        {
            document.Dispose();
        }

        _documents.Clear();
    }

    private static bool IsText(string mediaType) => mediaType is "text/plain" or "text/csv";

    private BodyError AddJson(ReadOnlyMemory<byte> body, IEventNormalizer normalizer)
    {
        if (!TryParse(body, out var document, out var error, "The body"))
        {
            return error;
        }

        _documents.Add(document);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                return AddValue(0, root, normalizer);
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    if (AddValue(index++, item, normalizer) is { Kind: not null } tooMany)
                    {
                        return tooMany;
                    }
                }

                return default;
            default:
                return new BodyError(BodyError.Malformed, "The body must be a JSON object or an array of objects.");
        }
    }

    /// <summary>One JSON value per line; blank lines are skipped and do not count as records.</summary>
    private BodyError AddNdjson(ReadOnlyMemory<byte> body, IEventNormalizer normalizer)
    {
        var lineNumber = 0;
        var index = 0;
        foreach (var line in Lines(body))
        {
            lineNumber++;
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (!TryParse(line, out var document, out var error, $"Line {lineNumber}"))
            {
                return error;
            }

            _documents.Add(document);
            if (AddValue(index++, document.RootElement, normalizer) is { Kind: not null } tooMany)
            {
                return tooMany;
            }
        }

        return default;
    }

    private BodyError AddLines(ReadOnlyMemory<byte> body)
    {
        var index = 0;
        foreach (var line in Lines(body))
        {
            var trimmed = line.Span.TrimEnd("\r"u8);
            if (trimmed.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            if (trimmed.Length > _limits.MaxStringBytes)
            {
                return new BodyError(BodyError.StringTooLong,
                    $"Line {index} is {trimmed.Length} bytes long, more than the limit of {_limits.MaxStringBytes}.");
            }

            if (_entries.Count == _limits.MaxEvents)
            {
                return TooManyEvents();
            }

            _entries.Add(new Entry(index++, default, line[..trimmed.Length], null, 0));
        }

        return default;
    }

    /// <summary>
    /// Parses one JSON text within the limits. A text longer than the string limit is scanned first, since only
    /// such a text can hold a string over it; a text the parser refuses is scanned to say why.
    /// </summary>
    private bool TryParse(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out JsonDocument? document, out BodyError error, string what)
    {
        document = null;
        if ((json.Length > _limits.MaxStringBytes || HasSurrogateEscape(json.Span)) && Scan(json.Span, what) is { Kind: not null } scanned)
        {
            error = scanned;
            return false;
        }

        try
        {
            document = JsonDocument.Parse(json, _parseOptions);
            error = default;
            return true;
        }
        catch (JsonException e)
        {
            // The reader accepts what the document refuses only for a repeated property name.
            error = Scan(json.Span, what) is { Kind: not null } found
                ? found with { Detail = found.Kind == BodyError.Malformed ? $"{what} is not valid JSON: {e.Message}" : found.Detail }
                : new BodyError(BodyError.DuplicateKey, $"{what} repeats a property name in one object ({e.Message}).");
            return false;
        }
    }

    /// <summary>Reads every token, checking nesting and string sizes; the first problem found, or none.</summary>
    private BodyError Scan(ReadOnlySpan<byte> json, string what)
    {
        // One level more than the limit, so that the container past it is read and recognized as such.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = _limits.MaxJsonDepth + 1 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray
                    && reader.CurrentDepth >= _limits.MaxJsonDepth)
                {
                    return new BodyError(BodyError.TooDeep,
                        $"{what} nests objects and arrays deeper than the limit of {_limits.MaxJsonDepth}.");
                }

                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                {
                    continue;
                }

                if (reader.ValueSpan.Length > _limits.MaxStringBytes)
                {
                    return new BodyError(BodyError.StringTooLong,
                        $"{what} holds a string of {reader.ValueSpan.Length} bytes, more than the limit of {_limits.MaxStringBytes}.");
                }

                if (reader.ValueIsEscaped && !IsValidText(ref reader))
                {
                    return new BodyError(BodyError.InvalidUtf8,
                        $"{what} escapes a lone UTF-16 surrogate (\\uD800–\\uDFFF without its pair), which is no character.");
                }
            }

            return default;
        }
        catch (JsonException e)
        {
            return new BodyError(BodyError.Malformed, $"{what} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Whether the text may escape a UTF-16 surrogate (<c>\uD800</c>–<c>\uDFFF</c>). The parser accepts a lone one, but
    /// reading it as text throws; only texts with such an escape are scanned for it.
    /// </summary>
    private static bool HasSurrogateEscape(ReadOnlySpan<byte> json)
    {
        var rest = json;
        for (var at = rest.IndexOf("\\u"u8); at >= 0; at = rest.IndexOf("\\u"u8))
        {
            if (at + 3 < rest.Length && rest[at + 2] is (byte)'d' or (byte)'D'
                && rest[at + 3] is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }

            rest = rest[(at + 2)..];
        }

        return false;
    }

    private static bool IsValidText(ref Utf8JsonReader reader)
    {
        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private BodyError TooManyEvents() =>
        new(BodyError.TooManyEvents, $"The body holds more than {_limits.MaxEvents} events; split it into smaller requests.");

    private BodyError AddValue(int index, JsonElement value, IEventNormalizer normalizer)
    {
        _expanded.Clear();
        normalizer.AddRecords(value, _expanded);
        if (_entries.Count + _expanded.Count > _limits.MaxEvents)
        {
            return TooManyEvents();
        }

        foreach (var record in _expanded)
        {
            _entries.Add(new Entry(index, record.Value, default, record.Envelope, record.Position));
        }

        return default;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Lines(ReadOnlyMemory<byte> body)
    {
        var rest = body;
        while (!rest.IsEmpty)
        {
            var newline = rest.Span.IndexOf((byte)'\n');
            yield return newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlyMemory<byte>.Empty : rest[(newline + 1)..];
        }
    }

    /// <summary>A record: a JSON value, or (when <paramref name="Json"/> is undefined) a text line.</summary>
    private readonly record struct Entry(int Index, JsonElement Json, ReadOnlyMemory<byte> Line, string? Envelope, int Position);
}
