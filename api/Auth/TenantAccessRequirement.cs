using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// What a route needs of its caller: the operator alone (<see cref="OperatorOnly"/>), or a tenant key with
/// <see cref="Scope"/> — of the tenant the route names in <c>{tenantId}</c> when <see cref="RouteTenant"/> (the operator
/// may act on any tenant, unless <see cref="TenantKeyOnly"/>).
/// </summary>
public sealed record TenantAccessRequirement(string? Scope, bool RouteTenant, bool OperatorOnly = false, bool TenantKeyOnly = false) : IAuthorizationRequirement;

/// <summary>A refusal that names the scope the key lacks, so the 403 can say it.</summary>
public sealed class MissingScope(IAuthorizationHandler handler, string scope, string message) : AuthorizationFailureReason(handler, message)
{
    public string Scope { get; } = scope;
}

/// <summary>Decides <see cref="TenantAccessRequirement"/>; an anonymous caller is left to the challenge (401).</summary>
public sealed class TenantAccessHandler : AuthorizationHandler<TenantAccessRequirement>
{
    public const string RouteValue = "tenantId";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantAccessRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        if (user.IsOperator())
        {
            if (requirement.TenantKeyOnly)
            {
                context.Fail(new AuthorizationFailureReason(this, "This call needs a tenant key: events always belong to the key's tenant."));
            }
            else
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }

        if (requirement.OperatorOnly)
        {
            context.Fail(new AuthorizationFailureReason(this, "This call needs the admin key."));
            return Task.CompletedTask;
        }

        var tenantId = user.TenantId();
        if (requirement.RouteTenant && context.Resource is HttpContext http
            && http.GetRouteValue(RouteValue) is string named && !string.Equals(named, tenantId, StringComparison.Ordinal))
        {
            context.Fail(new AuthorizationFailureReason(this, $"This key belongs to another tenant and cannot act on tenant '{named}'."));
            return Task.CompletedTask;
        }

        if (requirement.Scope is { } scope && !user.HasScope(scope))
        {
            context.Fail(new MissingScope(this, scope,
                $"This key lacks the '{scope}' scope; its scopes are: {string.Join(", ", user.FindAll(ApiKeyClaims.Scope).Select(c => c.Value))}. Make a key with it (POST /v1/tenants/{tenantId}/keys)."));
            return Task.CompletedTask;
        }

        context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
