using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api;

/// <summary>
/// A record the normalizer refused. <paramref name="Index"/> is the top-level value (array position, or NDJSON /
/// text line counted from 0 without blank lines); <paramref name="Item"/> the path inside it when a pagination
/// envelope held the record (<c>records[3]</c>).
/// </summary>
public sealed record RejectedEvent(
    int Index,
    string Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Item = null);

/// <summary>
/// What an ingest request achieved: <paramref name="Accepted"/> events (their ids in <paramref name="EventIds"/>), of
/// which <paramref name="Unmapped"/> named no user the tenant's mapping resolves and were kept in its unmapped list.
/// </summary>
public sealed record IngestResponse(int Accepted, RejectedEvent[] Rejected, string[] EventIds, int Unmapped);

/// <summary>Dependencies of the ingest endpoint.</summary>
public sealed record IngestServices(IOptions<ApiOptions> Options, IngestPipeline Pipeline);

/// <summary>
/// <c>POST /v1/ingest/{vendor}</c>: authenticate the tenant key, check the vendor and media type, read the body, and
/// hand it to the <see cref="IngestPipeline"/> (parse → normalize → resolve the user → publish, grouped by user).
/// 202 means every accepted event is in the stream provider's queue or durably in the unmapped list; when either
/// refuses, the answer is 503 with Retry-After, and a retry of the whole request is safe because the user grains
/// and the unmapped list drop event ids they have seen.
/// </summary>
public static class IngestApi
{
    public const int RetryAfterSeconds = 5;

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/ingest/{vendor}", Ingest)
            .RequireAuthorization(ApiPolicies.Ingest)
            .WithTags("Ingest")
            .WithName("Ingest")
            .WithSummary("Ingest vendor events: one JSON object, a JSON array of objects, NDJSON, or log lines for syslog/CSV vendors (tenant key).")
            .Accepts<JsonElement>(IngestBody.Json, IngestBody.Ndjson, "text/plain", "text/csv")
            .DisableAntiforgery();
        return app;
    }

    public static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> Ingest(
        HttpContext context, string vendor, [AsParameters] IngestServices services)
    {
        // The policy admits only a tenant key; its tenant, never the body's, owns the events.
        var tenantId = context.User.TenantId()!;

        if (!EventNormalizers.TryGet(vendor, out var normalizer))
        {
            return Problems.NotFound("unknown-vendor",
                $"Unknown vendor '{vendor}'. Known: {string.Join(", ", EventNormalizers.All.Select(n => n.Vendor))}.");
        }

        var mediaType = RequestBody.MediaType(context.Request);
        if (!IngestBody.Accepts(normalizer, mediaType))
        {
            return Problems.UnsupportedMediaType(normalizer is ILineNormalizer
                ? $"Send {normalizer.Vendor} logs as text/plain or text/csv (one log line per line), or as JSON strings."
                : "Send application/json (an object or an array of objects) or application/x-ndjson.");
        }

        var (body, bodyProblem) = await RequestBody.ReadAsync(context.Request, services.Options.Value.MaxIngestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return bodyProblem!;
        }

        using (body)
        {
            var result = await services.Pipeline.IngestAsync(tenantId, normalizer, body.Memory, mediaType);
            switch (result.Status)
            {
                case IngestStatus.Accepted:
                    return TypedResults.Accepted((string?)null, result.Response);
                case IngestStatus.BodyRefused:
                    return result.BodyError.Kind == BodyError.TooManyEvents
                        ? Problems.TooLarge(result.BodyError.Kind, result.BodyError.Detail)
                        : Problems.BadRequest(result.BodyError.Kind, result.BodyError.Detail);
                case IngestStatus.NoValidEvents:
                    return Problems.NoValidEvents(result.Rejected!);
                case IngestStatus.LargerThanBurst:
                    return Problems.BatchLargerThanBurst(result.Events, services.Options.Value.Ingest.RateLimit.Burst);
                case IngestStatus.RateLimited:
                    var seconds = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalSeconds));
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Problems.RateLimited(tenantId, seconds);
                case IngestStatus.Overloaded:
                    var wait = (int)result.RetryAfter.TotalSeconds;
                    context.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Problems.Overloaded(result.Reason!, wait);
                default:
                    context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Problems.Unavailable("The event queue did not take the events; retry the whole request (events are de-duplicated by id).", RetryAfterSeconds);
            }
        }
    }
}
