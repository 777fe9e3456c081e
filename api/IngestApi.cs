using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api;

public sealed record RejectedEvent(int Index, string Error);

public sealed record IngestResponse(int Accepted, RejectedEvent[] Rejected, string[] EventIds);

/// <summary>Dependencies of the ingest endpoint.</summary>
public sealed record IngestServices(
    IClusterClient Cluster,
    CallerResolver Callers,
    IOptions<ApiOptions> Options,
    TimeProvider Time,
    ILogger<IngestServices> Logger);

/// <summary>
/// <c>POST /v1/ingest/{vendor}</c>: parse → normalize → publish, grouped by user, to the user's stream.
/// 202 means every accepted event is in the stream provider's queue; when the provider refuses, the answer is
/// 503 with Retry-After, and a retry of the whole request is safe because the user grains drop event ids they
/// have seen.
/// </summary>
public static class IngestApi
{
    public const int RetryAfterSeconds = 5;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/ingest/{vendor}", Ingest)
            .WithTags("Ingest")
            .WithName("Ingest")
            .WithSummary("Ingest vendor events: one JSON object, a JSON array of objects, or NDJSON (tenant key).")
            .Accepts<JsonElement>("application/json", "application/x-ndjson")
            .DisableAntiforgery();
        return app;
    }

    public static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> Ingest(
        HttpContext context, string vendor, [AsParameters] IngestServices services)
    {
        var (caller, problem) = await services.Callers.ResolveAsync(context);
        if (caller is null)
        {
            return problem!;
        }

        if (caller.TenantId is not { } tenantId)
        {
            return Problems.Forbidden("Ingestion needs a tenant key: events always belong to the key's tenant.");
        }

        if (!EventNormalizers.TryGet(vendor, out var normalizer))
        {
            return Problems.NotFound("unknown-vendor",
                $"Unknown vendor '{vendor}'. Known: {string.Join(", ", EventNormalizers.All.Select(n => n.Vendor))}.");
        }

        var mediaType = RequestBody.MediaType(context.Request);
        if (mediaType is not ("application/json" or "application/x-ndjson"))
        {
            return Problems.UnsupportedMediaType("Send application/json (an object or an array of objects) or application/x-ndjson.");
        }

        var (body, bodyProblem) = await RequestBody.ReadAsync(context.Request, services.Options.Value.MaxIngestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return bodyProblem!;
        }

        var documents = new List<JsonDocument>();
        try
        {
            var records = new List<JsonElement>();
            var parseProblem = mediaType == "application/json"
                ? ParseJson(body.Memory, documents, records)
                : ParseNdjson(body.Memory, documents, records);
            if (parseProblem is not null)
            {
                return parseProblem;
            }

            var normalization = new NormalizationContext(tenantId, services.Time.GetUtcNow().ToUnixTimeMilliseconds());
            var rejected = new List<RejectedEvent>();
            var eventIds = new List<string>(records.Count);
            var byUser = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
            for (var i = 0; i < records.Count; i++)
            {
                if (records[i].ValueKind != JsonValueKind.Object)
                {
                    rejected.Add(new RejectedEvent(i, $"expected a JSON object, got {records[i].ValueKind.ToString().ToLowerInvariant()}"));
                    continue;
                }

                if (!normalizer.TryNormalize(records[i], normalization, out var normalized, out var error))
                {
                    rejected.Add(new RejectedEvent(i, error));
                    continue;
                }

                eventIds.Add(normalized.EventId);
                if (!byUser.TryGetValue(normalized.UserKey, out var events))
                {
                    byUser[normalized.UserKey] = events = [];
                }

                events.Add(normalized);
            }

            if (!await Publish(services, tenantId, byUser))
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Unavailable("The event queue did not take the events; retry the whole request (events are de-duplicated by id).", RetryAfterSeconds);
            }

            return TypedResults.Accepted((string?)null, new IngestResponse(eventIds.Count, [.. rejected], [.. eventIds]));
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }

            body.Dispose();
        }
    }

    private static async Task<bool> Publish(IngestServices services, string tenantId, Dictionary<string, List<SecurityEvent>> byUser)
    {
        if (byUser.Count == 0)
        {
            return true;
        }

        var provider = services.Cluster.GetStreamProvider(SecurityEventStreams.ProviderName);
        var sends = new Task[byUser.Count];
        var i = 0;
        foreach (var (userKey, events) in byUser)
        {
            var stream = provider.GetStream<SecurityEventBatch>(SecurityEventStreams.ForUser(tenantId, userKey));
            sends[i++] = stream.OnNextAsync(new SecurityEventBatch([.. events]));
        }

        try
        {
            await Task.WhenAll(sends);
            return true;
        }
        catch (Exception e)
        {
            services.Logger.LogError(e, "Publishing {Users} user batches of tenant {TenantId} failed", byUser.Count, tenantId);
            return false;
        }
    }

    private static ProblemHttpResult? ParseJson(ReadOnlyMemory<byte> body, List<JsonDocument> documents, List<JsonElement> records)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, ParseOptions);
        }
        catch (JsonException e)
        {
            return Problems.BadRequest("malformed-json", $"The body is not valid JSON: {e.Message}");
        }

        documents.Add(document);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                records.Add(root);
                return null;
            case JsonValueKind.Array:
                foreach (var item in root.EnumerateArray())
                {
                    records.Add(item);
                }

                return null;
            default:
                return Problems.BadRequest("malformed-json", "The body must be a JSON object or an array of objects.");
        }
    }

    /// <summary>One JSON value per line; blank lines are skipped and do not count as records.</summary>
    private static ProblemHttpResult? ParseNdjson(ReadOnlyMemory<byte> body, List<JsonDocument> documents, List<JsonElement> records)
    {
        var rest = body;
        var lineNumber = 0;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            var newline = rest.Span.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlyMemory<byte>.Empty : rest[(newline + 1)..];
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            try
            {
                var document = JsonDocument.Parse(line, ParseOptions);
                documents.Add(document);
                records.Add(document.RootElement);
            }
            catch (JsonException e)
            {
                return Problems.BadRequest("malformed-json", $"Line {lineNumber} is not valid JSON: {e.Message}");
            }
        }

        return null;
    }
}
