using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using SecurityCoach.Api.Auth;

namespace SecurityCoach.Api;

/// <summary>
/// <c>DELETE /v1/tenants/{t}/users/{userKey}</c>: erases what the tenant holds about one person (a GDPR/CCPA request).
/// Synchronous: 204 means every record below is cleared in storage. Each step is idempotent, so a request that failed
/// midway is repeated, and an unknown user answers 204 as well.
/// - Coachings first, while the user grain still answers a running step's delivery-limit call: each is stopped (a
///   running step finishes first), its reminder dropped and its record cleared; then the user grain's state, and the
///   coachings it started meanwhile.
/// - The tenant's failure list, the aliases that map to the user (their identities are then the user's too), the
///   unmapped events that name the user or those identities.
/// - The audit entry <c>user.erase</c>, naming the user only by a keyed pseudonym (<see cref="ITenantAuditGrain.RecordErasure"/>).
/// </summary>
public static class UserErasure
{
    public const string AuditAction = "user.erase";

    public static async Task<Results<NoContent, ProblemHttpResult>> EraseUser(
        HttpContext context, string tenantId, string userKey, [AsParameters] TenantServices services, TimeProvider time)
    {
        // Stored lower-cased, as GET …/users/{userKey} reads them.
        var key = userKey.ToLowerInvariant();
        if (TenantApi.UserKeyProblem(key) is { } tooLong)
        {
            return tooLong;
        }

        var grains = services.Grains;
        var user = grains.Reference<IUserGrain>(GrainKeys.User(tenantId, key));
        var erased = new HashSet<string>(StringComparer.Ordinal);
        await EraseCoachings(grains, tenantId, await user.CoachingsToErase(), erased);
        await EraseCoachings(grains, tenantId, await user.Erase(), erased);
        await grains.Reference<ICoachingFailuresGrain>(tenantId).ForgetUser(key);
        var identities = await grains.Reference<IUserMappingGrain>(tenantId).RemoveUser(key);
        await grains.Reference<IUnmappedEventsGrain>(tenantId).ForgetUser(key, identities);

        var entry = new AdminAuditEntry(0, time.GetUtcNow(), context.User.KeyIdOf(), AuditAction, null, context.TraceIdentifier);
        await grains.Reference<ITenantAuditGrain>(tenantId).RecordErasure(entry, key);
        return TypedResults.NoContent();
    }

    /// <summary>How many coachings are erased at once: a user's index may name thousands, each an activation.</summary>
    private const int CoachingsAtOnce = 64;

    private static Task EraseCoachings(IGrainFactory grains, string tenantId, string[] coachingIds, HashSet<string> erased) =>
        Parallel.ForEachAsync(coachingIds.Where(erased.Add).ToArray(), new ParallelOptions { MaxDegreeOfParallelism = CoachingsAtOnce },
            async (id, _) => await grains.Reference<ICoachingGrain>(GrainKeys.Coaching(tenantId, id)).Erase());
}
