using Orleans.Dashboard;
using SecurityCoach;
using SecurityCoach.Api;
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
        app.UseAdminOnly("/dashboard");
        app.UseRequestTimeouts();

        app.MapSecurityCoachApi();
        app.MapHealthEndpoint();
        app.MapOpenApi();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        if (app.IsLocalProfile())
        {
            app.MapDevInbox();
        }

        return app;
    }
}
