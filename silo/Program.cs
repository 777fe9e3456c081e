using Orleans.Dashboard;
using SecurityCoach;
using SecurityCoach.Api;
using SecurityCoach.Api.Auth;
using SecurityCoach.Silo;
using SecurityCoach.Silo.Sources;

var app = Program.Build(args);
app.LogStartupNotes();
app.Run();

/// <summary>
/// The silo program. Public, with <see cref="Build"/>, so that tests host it with WebApplicationFactory and the
/// load generator in bench/ runs this very program in its own process rather than a copy of its wiring.
/// </summary>
public partial class Program
{
    /// <summary>The service, configured from <paramref name="args"/> as from the command line: services, then endpoints.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        builder.AddSecurityCoachSilo();
        builder.Services.AddSecurityCoachGrains(builder.Configuration);
        builder.Services.AddSecurityCoachApi(builder.Configuration);
        builder.Services.AddQueueSources(builder.Configuration);

        var app = builder.Build();

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestTimeouts();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapSecurityCoachApi();
        app.MapHealthEndpoint();
        app.MapDeadLetterApi();
        app.MapOpenApi();
        // The dashboard is anonymous by itself and shows grain state and live logs.
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(ApiPolicies.Operator);
        if (app.IsDevInboxEnabled())
        {
            app.MapDevInbox();
        }

        return app;
    }
}
