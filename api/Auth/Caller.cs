using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace SecurityCoach.Api.Auth;

/// <summary>Who is calling: the admin, or one tenant. The tenant always comes from the key, never from the body.</summary>
public sealed record Caller(bool IsAdmin, string? TenantId)
{
    /// <summary>May this caller act on <paramref name="tenantId"/>?</summary>
    public bool MayAccess(string tenantId) => IsAdmin || string.Equals(TenantId, tenantId, StringComparison.Ordinal);
}

/// <summary>Resolves the <c>X-Api-Key</c> header to a <see cref="Caller"/>.</summary>
public sealed class CallerResolver(IGrainFactory grains, IOptions<ApiOptions> options)
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[] _adminKeyHash = ApiKeys.Hash(options.Value.AdminApiKey ?? "");

    /// <summary>The caller, or a 401 problem when the key is missing or matches nothing.</summary>
    public async ValueTask<(Caller? Caller, ProblemHttpResult? Problem)> ResolveAsync(HttpContext context)
    {
        var key = context.Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            return (null, Problems.Unauthorized($"Send an API key in the {HeaderName} header."));
        }

        var hash = ApiKeys.Hash(key);
        if (!string.IsNullOrEmpty(options.Value.AdminApiKey) && CryptographicOperations.FixedTimeEquals(hash, _adminKeyHash))
        {
            return (new Caller(true, null), null);
        }

        if (ApiKeys.TryGetTenantId(key, out var tenantId) && await grains.Reference<ITenantGrain>(tenantId).IsValidApiKey(hash))
        {
            return (new Caller(false, tenantId), null);
        }

        return (null, Problems.Unauthorized($"The {HeaderName} header does not hold a valid key."));
    }

    /// <summary>The caller if it may act on <paramref name="tenantId"/>; else 401 (no valid key) or 403 (another tenant's key).</summary>
    public async ValueTask<(Caller? Caller, ProblemHttpResult? Problem)> ResolveForTenantAsync(HttpContext context, string tenantId)
    {
        var (caller, problem) = await ResolveAsync(context);
        if (caller is null)
        {
            return (null, problem);
        }

        return caller.MayAccess(tenantId)
            ? (caller, null)
            : (null, Problems.Forbidden($"This key belongs to another tenant and cannot act on tenant '{tenantId}'."));
    }
}
