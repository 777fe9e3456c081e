using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SecurityCoach.Api;
using SecurityCoach.Api.Auth;

namespace SecurityCoach.Silo;

/// <summary>
/// The Orleans Dashboard is anonymous by itself and shows grain state and live logs, so it is put behind the
/// admin key: the X-Api-Key header, or HTTP Basic auth with the admin key as password (what a browser can send).
/// </summary>
public static class AdminOnlyMiddleware
{
    public static IApplicationBuilder UseAdminOnly(this WebApplication app, string pathPrefix)
    {
        var options = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;
        var adminHash = ApiKeys.Hash(options.AdminApiKey ?? "");
        return app.UseWhen(
            context => context.Request.Path.StartsWithSegments(pathPrefix, StringComparison.OrdinalIgnoreCase),
            branch => branch.Use(async (context, next) =>
            {
                if (PresentedKey(context.Request) is { } key && CryptographicOperations.FixedTimeEquals(ApiKeys.Hash(key), adminHash))
                {
                    await next(context);
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"SecurityCoach dashboard\", charset=\"UTF-8\"";
                await Problems.Unauthorized("The dashboard needs the admin key: X-Api-Key header, or Basic auth with the key as password.")
                    .ExecuteAsync(context);
            }));
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers[CallerResolver.HeaderName].ToString();
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
