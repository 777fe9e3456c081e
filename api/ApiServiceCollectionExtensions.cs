using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api;

/// <summary>Registers and maps the HTTP API.</summary>
public static class ApiServiceCollectionExtensions
{
    public static IServiceCollection AddSecurityCoachApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section))
            .Validate(o => o.MaxIngestBodyBytes is > 0 and <= int.MaxValue, $"{ApiOptions.Section}:MaxIngestBodyBytes must be between 1 and {int.MaxValue}")
            .Validate(o => o.Ingest.MaxEventsPerRequest > 0 && o.Ingest.MaxJsonDepth > 0 && o.Ingest.MaxStringBytes > 0,
                $"{ApiOptions.Section}:Ingest:MaxEventsPerRequest, MaxJsonDepth and MaxStringBytes must be positive")
            .Validate(o => o.Ingest.MaxJsonDepth <= SecurityEvent.MaxVendorJsonDepth,
                $"{ApiOptions.Section}:Ingest:MaxJsonDepth may be at most {SecurityEvent.MaxVendorJsonDepth}: the grains parse normalized events up to that depth plus normalization's own")
            .Validate(o => o.RequestTimeout >= TimeSpan.Zero, $"{ApiOptions.Section}:RequestTimeout must not be negative")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // The AwsLocal and Aws profiles register the S3 audit log first; Local keeps no audit trail.
        services.TryAddSingleton<IAuditLog, NullAuditLog>();
        services.AddSingleton<IValidateOptions<ApiOptions>, IngestTimeZonesValidator>();
        services.AddSingleton<VendorTimeZones>();
        services.AddSingleton<AdminKeys>();
        services.AddSingleton<TenantDirectoryCache>();
        services.AddSingleton<FailedAuthenticationLimiter>();
        services.AddAuthentication(ApiKeyClaims.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyClaims.Scheme, null);
        services.AddAuthorization(ApiPolicies.Add);
        services.AddSingleton<IAuthorizationHandler, TenantAccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddSingleton<TenantRateLimiter>();
        services.AddSingleton<IngestPipeline>();
        services.TryAddSingleton<UserDirectoryCache>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Problems.UseOurTypes);
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<ApiOptions>>((timeouts, api) =>
        {
            if (api.Value.RequestTimeout > TimeSpan.Zero)
            {
                timeouts.DefaultPolicy = new RequestTimeoutPolicy
                {
                    Timeout = api.Value.RequestTimeout,
                    TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
                    WriteTimeoutResponse = context => Problems.RequestTimeout(api.Value.RequestTimeout).ExecuteAsync(context),
                };
            }
        });
        services.AddOpenApi();
        return services;
    }

    public static IEndpointRouteBuilder MapSecurityCoachApi(this IEndpointRouteBuilder app)
    {
        app.MapTenantApi();
        app.MapCoachingApi();
        app.MapWorkflowApi();
        app.MapSystemCampaignApi();
        app.MapUserMappingApi();
        app.MapIngestApi();
        return app;
    }
}
