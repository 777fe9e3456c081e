using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using SecurityCoach.Api.Auth;

namespace SecurityCoach.Api;

public sealed record DeliveryAttemptResponse(int Number, DateTimeOffset At, bool Succeeded, string? Error, double? NextRetryInSeconds);

/// <summary>
/// One coaching: its delivery attempts (<see cref="History"/>) and its workflow's execution trace
/// (<see cref="Execution"/>: every state entered and exited with its input and output, each task scheduled,
/// succeeded or failed with its idempotency key and attempt, retries with their wait, waits, caught errors, the end).
/// </summary>
public sealed record CoachingResponse(
    string CoachingId,
    string UserKey,
    string CampaignId,
    string EventId,
    string Status,
    int Attempts,
    DateTimeOffset? DeliveredAt,
    DeliveryAttemptResponse[] History,
    string Workflow,
    JsonArray Execution)
{
    public static CoachingResponse From(CoachingView view) =>
        new(
            view.Summary.CoachingId,
            view.UserKey,
            view.Summary.CampaignId,
            view.Summary.EventId,
            view.Summary.Status.ToString(),
            view.Summary.Attempts,
            view.Summary.DeliveredAt,
            [.. view.History.Select(a => new DeliveryAttemptResponse(a.Number, a.At, a.Succeeded, a.Error, a.NextRetryIn?.TotalSeconds))],
            view.Workflow,
            ReadableTrace(view.ExecutionHistoryJson));

    /// <summary>The trace with each state's input and output as JSON values rather than the JSON text the engine keeps.</summary>
    private static JsonArray ReadableTrace(string historyJson)
    {
        var trace = JsonNode.Parse(historyJson)!.AsArray();
        foreach (var entry in trace)
        {
            foreach (var field in (ReadOnlySpan<string>)["input", "output"])
            {
                if (entry?[field] is JsonValue text && text.TryGetValue<string>(out var json))
                {
                    entry[field] = JsonNode.Parse(json);
                }
            }
        }

        return trace;
    }
}

/// <summary>A tenant's coachings: one with its attempt history, the failed ones, and a retry of a failed one.</summary>
public static class CoachingApi
{
    public static IEndpointRouteBuilder MapCoachingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapTenantGroup("/coachings").WithTags("Coachings");

        api.MapGet("/", ListCoachings)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("ListCoachings")
            .WithSummary("The tenant's failed coachings, newest first (status=Failed).");

        api.MapGet("/{coachingId}", GetCoaching)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetCoaching")
            .WithSummary("One coaching: every delivery attempt (time, outcome, error, the wait before the next) and its workflow's execution trace.");

        api.MapPost("/{coachingId}/retry", RetryCoaching)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("coaching.retry", "coachingId")
            .WithName("RetryCoaching")
            .WithSummary("Resume a Failed coaching from the state that failed (its retriers start over); channels that accepted the tip are not sent it again.");

        return app;
    }

    public static async Task<Results<Ok<FailedCoaching[]>, ProblemHttpResult>> ListCoachings(
        HttpContext context, string tenantId, string? status, [AsParameters] TenantServices services)
    {
        if (!string.Equals(status, nameof(CoachingStatus.Failed), StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Invalid([new FieldError("status", "only status=Failed is listed; read one coaching with GET …/coachings/{coachingId}")]);
        }

        return TypedResults.Ok(await services.Grains.Reference<ICoachingFailuresGrain>(tenantId).List());
    }

    public static async Task<Results<Ok<CoachingResponse>, ProblemHttpResult>> GetCoaching(
        HttpContext context, string tenantId, string coachingId, [AsParameters] TenantServices services)
    {
        var view = await services.Grains.Reference<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId)).GetView();
        return view is null
            ? Problems.NotFound("coaching-not-found", $"Tenant '{tenantId}' has no coaching '{coachingId}'.")
            : TypedResults.Ok(CoachingResponse.From(view));
    }

    public static async Task<Results<Accepted<CoachingSummary>, ProblemHttpResult>> RetryCoaching(
        HttpContext context, string tenantId, string coachingId, [AsParameters] TenantServices services)
    {
        var grain = services.Grains.Reference<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId));
        if (await grain.Retry() is { } resumed)
        {
            return TypedResults.Accepted($"/v1/tenants/{tenantId}/coachings/{coachingId}", resumed);
        }

        var view = await grain.GetView();
        return view switch
        {
            null => Problems.NotFound("coaching-not-found", $"Tenant '{tenantId}' has no coaching '{coachingId}'."),
            { Summary.Status: CoachingStatus.Failed } => Problems.Conflict("coaching-not-resumable",
                $"Coaching '{coachingId}' failed in a way a retry cannot resume: its workflow ended in a Fail state that no error led to, or the workflow itself could not run. Its execution trace says which."),
            _ => Problems.Conflict("coaching-not-failed", $"Coaching '{coachingId}' is {view.Summary.Status}; only a Failed coaching can be retried."),
        };
    }
}
