using SecurityCoach.Api;
using SecurityCoach.Api.Auth;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Silo;

/// <summary>
/// The operator's dead-letter calls (admin key): in AwsLocal and Aws, SQS moves an event batch its silos failed to
/// score <c>MaxReceiveCount</c> times to the queue's dead-letter queue, where it stays 14 days. These look at it,
/// send it back to be scored (after the fault is fixed) or drop it. The Local profile has no dead-letter queue: 404.
/// </summary>
public static class DeadLetterApi
{
    public const int MaxSample = 100;

    public const int MaxMove = 10_000;

    public static IEndpointRouteBuilder MapDeadLetterApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/admin/dead-letters").WithTags("Operations").RequireAuthorization(ApiPolicies.Operator);

        group.MapGet("/", async (int? sample, IServiceProvider services, CancellationToken cancellationToken) =>
        {
            if (services.GetService<SqsDeadLetters>() is not { } deadLetters)
            {
                return (IResult)NoDeadLetterQueue();
            }

            if (sample is < 0 or > MaxSample)
            {
                return Problems.Invalid([new FieldError("sample", $"must be between 0 and {MaxSample}")]);
            }

            var queues = await deadLetters.InspectAsync(sample ?? 10, cancellationToken);
            return Results.Ok(new { queues, total = queues.Sum(q => q.ApproximateMessages) });
        })
        .WithName("ListDeadLetters")
        .WithSummary("Each dead-letter queue with SQS's approximate message count and a sample of its messages (left in place).");

        group.MapPost("/replay", (int? max, IServiceProvider services, CancellationToken cancellationToken) =>
            Move(max, services, (d, n) => d.ReplayAsync(n, cancellationToken), "replayed"))
        .WithName("ReplayDeadLetters")
        .WithSummary("Sends up to `max` dead letters back to their own queues to be scored again, then deletes them from the dead-letter queue.");

        group.MapPost("/drop", (int? max, IServiceProvider services, CancellationToken cancellationToken) =>
            Move(max, services, (d, n) => d.DropAsync(n, cancellationToken), "dropped"))
        .WithName("DropDeadLetters")
        .WithSummary("Deletes up to `max` dead letters for good (with their S3 objects).");

        return app;
    }

    private static async Task<IResult> Move(int? max, IServiceProvider services, Func<SqsDeadLetters, int, Task<int>> move, string verb)
    {
        if (services.GetService<SqsDeadLetters>() is not { } deadLetters)
        {
            return NoDeadLetterQueue();
        }

        if (max is not { } count || count is < 1 or > MaxMove)
        {
            return Problems.Invalid([new FieldError("max", $"is required: how many messages, between 1 and {MaxMove}")]);
        }

        return Results.Ok(new Dictionary<string, int> { [verb] = await move(deadLetters, count) });
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NoDeadLetterQueue() =>
        Problems.NotFound("no-dead-letter-queue", "This profile keeps no dead-letter queue (Local scores events in memory); dead letters exist in the AwsLocal and Aws profiles.");
}
