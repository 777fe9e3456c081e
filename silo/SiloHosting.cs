using Orleans.Configuration;
using Orleans.Dashboard;
using SecurityCoach.Api;
using SecurityCoach.Api.Auth;

namespace SecurityCoach.Silo;

/// <summary>The deployment profiles (setting <c>SecurityCoach:Profile</c>), as DESIGN.md's table lists them.</summary>
public static class Profiles
{
    public const string Setting = "SecurityCoach:Profile";
    public const string Local = "Local";
    public const string AwsLocal = "AwsLocal";
    public const string Aws = "Aws";
}

/// <summary>Local-profile settings (section <c>SecurityCoach:Local</c>).</summary>
public sealed class LocalProfileOptions
{
    public const string Section = "SecurityCoach:Local";

    /// <summary>Silo-to-silo port on loopback. Default 11111.</summary>
    public int SiloPort { get; set; } = EndpointOptions.DEFAULT_SILO_PORT;

    /// <summary>Client gateway port on loopback. Default 30000.</summary>
    public int GatewayPort { get; set; } = EndpointOptions.DEFAULT_GATEWAY_PORT;
}

/// <summary>Configures Orleans for the chosen profile.</summary>
public static class SiloHosting
{
    public const string ServiceId = "securitycoach";

    private const string GeneratedAdminKeyNote = "SecurityCoach:GeneratedAdminKey";

    public static WebApplicationBuilder AddSecurityCoachSilo(this WebApplicationBuilder builder)
    {
        var profile = builder.Configuration[Profiles.Setting] ?? Profiles.Local;
        switch (profile)
        {
            case Profiles.Local:
                var local = builder.Configuration.GetSection(LocalProfileOptions.Section).Get<LocalProfileOptions>() ?? new LocalProfileOptions();
                EnsureAdminKey(builder, generateWhenMissing: true);
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(local.SiloPort, local.GatewayPort, serviceId: ServiceId, clusterId: "local");
                    silo.AddMemoryGrainStorageAsDefault();
                    silo.AddMemoryStreams(SecurityEventStreams.ProviderName, streams =>
                    {
                        // User streams have only implicit subscribers: no pub/sub grain work per stream.
                        streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
                        // Orleans polls a queue every 100 ms by default, half the end-to-end budget on average;
                        // polling an in-memory queue costs next to nothing.
                        streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10)));
                    });
                    silo.UseInMemoryReminderService();
                    silo.AddDashboard();
                });
                break;
            case Profiles.AwsLocal or Profiles.Aws:
                throw new InvalidOperationException(
                    $"Profile '{profile}' runs on our DynamoDB and SQS providers (providers/), which are not built yet. " +
                    $"Run with {Profiles.Setting}={Profiles.Local} (the default).");
            default:
                throw new InvalidOperationException(
                    $"Unknown profile '{profile}' in {Profiles.Setting}; use {Profiles.Local}, {Profiles.AwsLocal} or {Profiles.Aws}.");
        }

        return builder;
    }

    /// <summary>In Local a missing admin key is generated for this run (and logged once); elsewhere it is required.</summary>
    private static void EnsureAdminKey(WebApplicationBuilder builder, bool generateWhenMissing)
    {
        var key = $"{ApiOptions.Section}:{nameof(ApiOptions.AdminApiKey)}";
        if (!string.IsNullOrEmpty(builder.Configuration[key]))
        {
            return;
        }

        if (!generateWhenMissing)
        {
            throw new InvalidOperationException($"{key} (env SecurityCoach__AdminApiKey) is required in this profile.");
        }

        var generated = ApiKeys.NewAdminKey();
        builder.Configuration[key] = generated;
        builder.Configuration[GeneratedAdminKeyNote] = generated;
    }

    public static bool IsLocalProfile(this WebApplication app) =>
        (app.Configuration[Profiles.Setting] ?? Profiles.Local) == Profiles.Local;

    /// <summary>Logs what a person starting the silo needs to know: the generated admin key, once.</summary>
    public static void LogStartupNotes(this WebApplication app)
    {
        if (app.Configuration[GeneratedAdminKeyNote] is { Length: > 0 } generated)
        {
            app.Logger.LogWarning(
                "No SecurityCoach:AdminApiKey configured; generated one for this run: {AdminApiKey} (set SecurityCoach__AdminApiKey to choose your own)",
                generated);
        }
    }

    /// <summary><c>GET /healthz</c>: 200 once this silo is Active in the cluster, 503 before and while shutting down.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (ILocalSiloDetails silo, IClusterMembershipService membership) =>
            {
                var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
                return status == SiloStatus.Active
                    ? Results.Ok(new { status = status.ToString(), silo = silo.SiloAddress.ToString() })
                    : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Silo not active",
                        detail: $"The silo is {status}.", type: Problems.TypeBase + "silo-not-active");
            })
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("200 once the silo is active.");
        return app;
    }
}
