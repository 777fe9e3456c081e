using System.Text.Json;
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

/// <summary>
/// An ingest request body split into records: a JSON object, a JSON array of values or NDJSON, each top-level value
/// expanded by the vendor's <see cref="IEventNormalizer.AddRecords"/> (pagination envelopes); or, for vendors whose
/// logs are lines, <c>text/plain</c> / <c>text/csv</c> with one record per non-blank line.
/// </summary>
public sealed class IngestBody : IDisposable
{
    public const string Json = "application/json";
    public const string Ndjson = "application/x-ndjson";

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    private readonly List<JsonDocument> _documents = [];
    private readonly List<Entry> _entries = [];
    private readonly List<VendorRecord> _expanded = [];

    private IngestBody()
    {
    }

    /// <summary>The media types a vendor's endpoint takes: JSON for all, and text lines for line vendors.</summary>
    public static bool Accepts(IEventNormalizer normalizer, string mediaType) =>
        mediaType is Json or Ndjson || (normalizer is ILineNormalizer && IsText(mediaType));

    /// <summary>
    /// Splits <paramref name="body"/> (kept by the caller while this lives); null with a reason when it is not valid
    /// JSON / NDJSON.
    /// </summary>
    public static IngestBody? Parse(ReadOnlyMemory<byte> body, string mediaType, IEventNormalizer normalizer, out string? error)
    {
        if (!Accepts(normalizer, mediaType))
        {
            error = $"{normalizer.Vendor} does not take {mediaType}";
            return null;
        }

        var parsed = new IngestBody();
        error = IsText(mediaType) ? parsed.AddLines(body)
            : mediaType == Ndjson ? parsed.AddNdjson(body, normalizer)
            : parsed.AddJson(body, normalizer);
        if (error is null)
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

    private string? AddJson(ReadOnlyMemory<byte> body, IEventNormalizer normalizer)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException e)
        {
            return $"The body is not valid JSON: {e.Message}";
        }

        _documents.Add(document);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                AddValue(0, root, normalizer);
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in root.EnumerateArray())
                {
                    AddValue(index++, item, normalizer);
                }

                return null;
            default:
                return "The body must be a JSON object or an array of objects.";
        }
    }

    /// <summary>One JSON value per line; blank lines are skipped and do not count as records.</summary>
    private string? AddNdjson(ReadOnlyMemory<byte> body, IEventNormalizer normalizer)
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

            try
            {
                var document = JsonDocument.Parse(line, ParseOptions);
                _documents.Add(document);
                AddValue(index++, document.RootElement, normalizer);
            }
            catch (JsonException e)
            {
                return $"Line {lineNumber} is not valid JSON: {e.Message}";
            }
        }

        return null;
    }

    private string? AddLines(ReadOnlyMemory<byte> body)
    {
        if (body.Span.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        var index = 0;
        foreach (var line in Lines(body))
        {
            var trimmed = line.Span.TrimEnd("\r"u8);
            if (!trimmed.Trim(" \t"u8).IsEmpty)
            {
                _entries.Add(new Entry(index++, default, line[..trimmed.Length], null, 0));
            }
        }

        return null;
    }

    private void AddValue(int index, JsonElement value, IEventNormalizer normalizer)
    {
        _expanded.Clear();
        normalizer.AddRecords(value, _expanded);
        foreach (var record in _expanded)
        {
            _entries.Add(new Entry(index, record.Value, default, record.Envelope, record.Position));
        }
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
