using System.Security.Claims;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// The claims the API-key scheme gives a caller: the operator (an admin key) or one tenant's key with its id and
/// scopes. The tenant always comes from the key, never from the request.
/// </summary>
public static class ApiKeyClaims
{
    public const string Scheme = "ApiKey";

    /// <summary>The tenant a tenant key belongs to.</summary>
    public const string Tenant = "securitycoach:tenant";

    /// <summary>One scope of a tenant key (<see cref="ApiKeyScopes"/>).</summary>
    public const string Scope = "securitycoach:scope";

    /// <summary>Which key authenticated: a tenant key's id, or <c>admin:</c> and an admin key's id, for the audit log.</summary>
    public const string KeyId = "securitycoach:key";

    /// <summary>Present on the operator's principal (an admin key).</summary>
    public const string Operator = "securitycoach:operator";

    public static ClaimsPrincipal ForOperator(string keyId) =>
        new(new ClaimsIdentity([new Claim(Operator, "true"), new Claim(KeyId, keyId)], Scheme));

    public static ClaimsPrincipal ForTenant(string tenantId, ApiKeyGrant grant)
    {
        var claims = new List<Claim>(2 + grant.Scopes.Length) { new(Tenant, tenantId), new(KeyId, grant.KeyId) };
        foreach (var scope in grant.Scopes)
        {
            claims.Add(new Claim(Scope, scope));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    public static bool IsOperator(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == Operator);

    /// <summary>The tenant of a tenant key; null for the operator or an anonymous caller.</summary>
    public static string? TenantId(this ClaimsPrincipal principal) => principal.FindFirst(Tenant)?.Value;

    public static string KeyIdOf(this ClaimsPrincipal principal) => principal.FindFirst(KeyId)?.Value ?? "anonymous";

    public static bool HasScope(this ClaimsPrincipal principal, string scope) => principal.IsOperator() || principal.HasClaim(Scope, scope);
}
