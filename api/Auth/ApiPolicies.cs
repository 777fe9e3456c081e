using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace SecurityCoach.Api.Auth;

/// <summary>The authorization policies the routes name, one per kind of caller they need.</summary>
public static class ApiPolicies
{
    /// <summary>The admin key: tenants, quotas, dead letters, the dashboard, the dev inbox.</summary>
    public const string Operator = "operator";

    /// <summary>A tenant key with the <c>ingest</c> scope (never the admin key: events belong to the key's tenant).</summary>
    public const string Ingest = "ingest";

    /// <summary>The route's tenant's key with the <c>read</c> scope, or the admin key.</summary>
    public const string TenantRead = "tenant-read";

    /// <summary>The route's tenant's key with the <c>admin</c> scope, or the admin key.</summary>
    public const string TenantAdmin = "tenant-admin";

    public static void Add(AuthorizationOptions options)
    {
        void Add(string name, TenantAccessRequirement requirement) => options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(ApiKeyClaims.Scheme)
            .AddRequirements(requirement));

        Add(Operator, new TenantAccessRequirement(null, RouteTenant: false, OperatorOnly: true));
        Add(Ingest, new TenantAccessRequirement(ApiKeyScopes.Ingest, RouteTenant: false, TenantKeyOnly: true));
        Add(TenantRead, new TenantAccessRequirement(ApiKeyScopes.Read, RouteTenant: true));
        Add(TenantAdmin, new TenantAccessRequirement(ApiKeyScopes.Admin, RouteTenant: true));
    }
}

/// <summary>Answers a refused authorization with our problem: 403 naming why (and the missing scope); 401 is the scheme's challenge.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var reason = authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault();
            await Problems.Forbidden(reason?.Message ?? "Not allowed for this API key.", (reason as MissingScope)?.Scope).ExecuteAsync(context);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
