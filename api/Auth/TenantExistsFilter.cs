using Microsoft.AspNetCore.Http;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// On routes under <c>/v1/tenants/{tenantId}</c>: 404 <c>tenant-not-found</c> when the tenant does not exist, from this
/// silo's copy of the tenant directory (a tenant key's tenant always exists; this answers the admin key).
/// </summary>
public sealed class TenantExistsFilter(TenantDirectoryCache tenants) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var tenantId = context.HttpContext.Request.RouteValues[TenantAccessHandler.RouteValue] as string;
        if (tenantId is null || !Identifiers.IsValidTenantId(tenantId) || !await tenants.ExistsAsync(tenantId))
        {
            return Problems.NotFound("tenant-not-found", $"Tenant '{tenantId}' does not exist.");
        }

        return await next(context);
    }
}
