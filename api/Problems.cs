using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SecurityCoach.Api;

/// <summary>
/// Every error the API answers, as an RFC 9457 problem. Each kind has a stable <c>type</c> URI that clients can
/// switch on; the <c>detail</c> is for people.
/// </summary>
public static class Problems
{
    public const string TypeBase = "https://securitycoach.dev/problems/";

    public static ProblemHttpResult Unauthorized(string detail) =>
        Make(StatusCodes.Status401Unauthorized, "unauthorized", "Missing or invalid API key", detail);

    public static ProblemHttpResult Forbidden(string detail, string? missingScope = null) =>
        Make(StatusCodes.Status403Forbidden, "forbidden", "Not allowed for this API key", detail,
            missingScope is null ? null : new Dictionary<string, object?> { ["missingScope"] = missingScope });

    /// <summary>429 for a client that spent its budget of failed authentications on a tenant.</summary>
    public static ProblemHttpResult TooManyFailedAttempts(int retryAfterSeconds) =>
        Make(StatusCodes.Status429TooManyRequests, "too-many-failed-attempts", "Too many failed attempts",
            $"This client sent too many keys that are not valid for this tenant; try again after {retryAfterSeconds} s.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = retryAfterSeconds });

    /// <summary>409 for a change that would take the tenant over one of its quotas.</summary>
    public static ProblemHttpResult QuotaExceeded(QuotaExceeded quota) =>
        Make(StatusCodes.Status409Conflict, "quota-exceeded", "Quota exceeded",
            $"The tenant already holds its quota of {quota.Limit} {quota.Quota}; remove one, or ask the operator to raise the quota (PUT /v1/tenants/{{tenantId}}/quotas).",
            new Dictionary<string, object?> { ["quota"] = quota.Quota, ["limit"] = quota.Limit });

    public static ProblemHttpResult NotFound(string kind, string detail) =>
        Make(StatusCodes.Status404NotFound, kind, "Not found", detail);

    public static ProblemHttpResult Conflict(string kind, string detail, IDictionary<string, object?>? extensions = null) =>
        Make(StatusCodes.Status409Conflict, kind, "Conflict", detail, extensions);

    public static ProblemHttpResult BadRequest(string kind, string detail) =>
        Make(StatusCodes.Status400BadRequest, kind, "Bad request", detail);

    public static ProblemHttpResult PayloadTooLarge(long limit) =>
        Make(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Request body too large", $"The body is larger than the limit of {limit} bytes.");

    /// <summary>413 for a request over a limit other than its byte size (events per request).</summary>
    public static ProblemHttpResult TooLarge(string kind, string detail) =>
        Make(StatusCodes.Status413PayloadTooLarge, kind, "Request too large", detail);

    public static ProblemHttpResult RateLimited(string tenantId, int retryAfterSeconds) =>
        Make(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many events",
            $"Tenant '{tenantId}' is over its ingest rate; nothing from this request was published. Retry after {retryAfterSeconds} s.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = retryAfterSeconds });

    public static ProblemHttpResult BatchLargerThanBurst(int events, int burst) =>
        Make(StatusCodes.Status413PayloadTooLarge, "batch-too-large", "Too many events in one request",
            $"The request holds {events} events, more than the {burst} a tenant may post at once; split it.");

    /// <summary>422 when every record of a batch was refused; <c>rejected</c> names each by index (and item path).</summary>
    public static ProblemHttpResult NoValidEvents(RejectedEvent[] rejected) =>
        Make(StatusCodes.Status422UnprocessableEntity, "no-valid-events", "No usable event",
            rejected.Length == 1
                ? $"The event at index {rejected[0].Index} was refused: {rejected[0].Error}"
                : $"All {rejected.Length} events were refused; see rejected.",
            new Dictionary<string, object?> { ["rejected"] = rejected });

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        Make(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported content type", detail);

    public static ProblemHttpResult Unavailable(string detail, int retryAfterSeconds) =>
        Make(StatusCodes.Status503ServiceUnavailable, "unavailable", "Service unavailable", detail,
            new Dictionary<string, object?> { ["retryAfterSeconds"] = retryAfterSeconds });

    /// <summary>503 when ingest refuses for backpressure (<see cref="ProcessingLag"/>, <see cref="CoachingsInProgress"/>).</summary>
    public static ProblemHttpResult Overloaded(string reason, int retryAfterSeconds) =>
        Make(StatusCodes.Status503ServiceUnavailable, "overloaded", "Service overloaded",
            $"{reason} Nothing from this request was read; send it again after {retryAfterSeconds} s.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = retryAfterSeconds });

    public static ProblemHttpResult RequestTimeout(TimeSpan limit) =>
        Make(StatusCodes.Status408RequestTimeout, "request-timeout", "Request timeout",
            $"The request did not complete within {limit.TotalSeconds:0.###} s (a body sent too slowly?). Nothing from an unfinished body was accepted; sending it again is safe.");

    /// <summary>422 with every field error, each naming its field by path.</summary>
    public static ProblemHttpResult Invalid(IReadOnlyCollection<FieldError> errors) =>
        Make(StatusCodes.Status422UnprocessableEntity, "validation", "The request is not valid",
            string.Join("; ", errors.Select(e => $"{e.Field}: {e.Problem}")),
            new Dictionary<string, object?> { ["errors"] = errors.Select(e => new { field = e.Field, problem = e.Problem }).ToArray() });

    /// <summary>
    /// Problems that ASP.NET writes itself (no route: 404, wrong method: 405, a content type no endpoint accepts:
    /// 415, an unreadable request: 400) get our stable types too, so clients switch on one set of URIs.
    /// </summary>
    public static void UseOurTypes(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is { } type && type.StartsWith(TypeBase, StringComparison.Ordinal))
        {
            return;
        }

        problem.Type = TypeBase + (problem.Status switch
        {
            StatusCodes.Status400BadRequest => "bad-request",
            StatusCodes.Status401Unauthorized => "unauthorized",
            StatusCodes.Status403Forbidden => "forbidden",
            StatusCodes.Status404NotFound => "not-found",
            StatusCodes.Status405MethodNotAllowed => "method-not-allowed",
            StatusCodes.Status413PayloadTooLarge => "body-too-large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported-media-type",
            >= 500 => "internal",
            _ => "http-" + problem.Status,
        });
        problem.Detail ??= problem.Status switch
        {
            StatusCodes.Status404NotFound => $"No endpoint at {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}.",
            StatusCodes.Status415UnsupportedMediaType => $"Content type '{context.HttpContext.Request.ContentType}' is not accepted here; send application/json (ingest also takes application/x-ndjson).",
            _ => null,
        };
    }

    private static ProblemHttpResult Make(int status, string kind, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypeBase + kind, extensions: extensions);
}
