using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// Puts a route's successful calls in the tenant's audit log (<see cref="ITenantAuditGrain"/>): which key did which
/// action to what. Declared per route (<c>.Audited("campaign.put", "campaignId")</c>), so the handler itself does
/// nothing for it. An entry is written after the change succeeded and before the answer; if the log cannot be
/// written the change stands (it is done), the failure is logged as an error, and the answer is still the change's.
/// </summary>
public static class AdminAudit
{
    /// <summary>Audits the route's successful calls as <paramref name="action"/> on the route value <paramref name="targetRouteValue"/> (<c>campaignId</c>), if any.</summary>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder route, string action, string? targetRouteValue = null) =>
        route.Audited(action, (http, _) => targetRouteValue is null ? null : http.Request.RouteValues[targetRouteValue] as string);

    /// <summary>Audits the route's successful calls as <paramref name="action"/> on what <paramref name="target"/> names from the request and the handler's result (a created key's id).</summary>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder route, string action, Func<HttpContext, object?, string?> target) =>
        route.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            if (IsSuccess(result) && context.HttpContext.Request.RouteValues[TenantAccessHandler.RouteValue] is string tenantId)
            {
                var http = context.HttpContext;
                var changed = target(http, Unwrap(result));
                var at = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                var entry = new AdminAuditEntry(0, at, http.User.KeyIdOf(), action, changed, http.TraceIdentifier);
                try
                {
                    await http.RequestServices.GetRequiredService<IGrainFactory>().Reference<ITenantAuditGrain>(tenantId).Record(entry);
                }
                catch (Exception e)
                {
                    http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminAudit))
                        .LogError(e, "Tenant {TenantId}: {Action} on {Target} by {KeyId} succeeded but could not be written to the audit log", tenantId, action, changed, entry.KeyId);
                }
            }

            return result;
        });

    private static bool IsSuccess(object? result) => Unwrap(result) is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 };

    /// <summary>The result inside <c>Results&lt;…&gt;</c>.</summary>
    private static object? Unwrap(object? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result;
    }
}
