using Orleans.Dashboard;
using SecurityCoach;
using SecurityCoach.Api;
using SecurityCoach.Silo;

var builder = WebApplication.CreateBuilder(args);

builder.AddSecurityCoachSilo();
builder.Services.AddSecurityCoachGrains(builder.Configuration);
builder.Services.AddSecurityCoachApi(builder.Configuration);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAdminOnly("/dashboard");

app.MapSecurityCoachApi();
app.MapHealthEndpoint();
app.MapOpenApi();
app.MapOrleansDashboard(routePrefix: "/dashboard");
if (app.IsLocalProfile())
{
    app.MapDevInbox();
}

app.LogStartupNotes();
app.Run();

/// <summary>Visible to tests, which host the silo with WebApplicationFactory.</summary>
public partial class Program;
