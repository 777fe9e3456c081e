using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// The API-key scheme: the <c>X-Api-Key</c> header, or HTTP Basic with the key as password (what a browser can send to
/// the dashboard). An admin key makes the operator (<see cref="AdminKeys"/>); a tenant key (<c>sck_{tenant}_…</c>) is
/// looked up only when its tenant exists (<see cref="TenantDirectoryCache"/>), and only while the client has not
/// spent its budget of failed attempts on that tenant (<see cref="FailedAuthenticationLimiter"/>). No key is not an
/// error here (endpoints that need one answer 401); a key that matches nothing is.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminKeys adminKeys,
    TenantDirectoryCache tenants,
    FailedAuthenticationLimiter failures,
    IGrainFactory grains)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string HeaderName = "X-Api-Key";

    /// <summary>Set on the request when the key was refused for the client's spent budget (the challenge answers 429).</summary>
    internal const string ThrottledItem = "securitycoach:auth-throttled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { Length: > 0 } key)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = ApiKeys.Hash(key);
        if (adminKeys.Match(hash) is { } adminKeyId)
        {
            return Success(ApiKeyClaims.ForOperator(adminKeyId));
        }

        if (!ApiKeys.TryGetTenantId(key, out var tenantId) || !await tenants.ExistsAsync(tenantId))
        {
            return AuthenticateResult.Fail("no such key");
        }

        var client = Context.Connection.RemoteIpAddress?.ToString();
        if (!failures.MayTry(client, tenantId))
        {
            Context.Items[ThrottledItem] = true;
            return AuthenticateResult.Fail("too many failed attempts");
        }

        if (await grains.Reference<ITenantGrain>(tenantId).Authenticate(hash) is { } grant)
        {
            return Success(ApiKeyClaims.ForTenant(tenantId, grant));
        }

        failures.Failed(client, tenantId);
        return AuthenticateResult.Fail("no such key");
    }

    private AuthenticateResult Success(System.Security.Claims.ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyClaims.Scheme));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(ThrottledItem))
        {
            var seconds = (int)FailedAuthenticationLimiter.RefillEvery.TotalSeconds;
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.TooManyFailedAttempts(seconds).ExecuteAsync(Context);
            return;
        }

        if (Request.Path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase))
        {
            // What makes a browser ask for the key.
            Response.Headers.WWWAuthenticate = "Basic realm=\"SecurityCoach dashboard\", charset=\"UTF-8\"";
        }

        var detail = Request.Headers.ContainsKey(HeaderName) || Request.Headers.Authorization.Count > 0
            ? $"The {HeaderName} header does not hold a valid key."
            : $"Send an API key in the {HeaderName} header.";
        await Problems.Unauthorized(detail).ExecuteAsync(Context);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var auth)
            && string.Equals(auth.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            && auth.Parameter is { } parameter)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon >= 0 ? decoded[(colon + 1)..] : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }
}
