using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// A real Kestrel server on a free loopback port, with the endpoints <c>map</c> adds; no logging. The load generator's
/// webhook and the tests' receivers start through here.
/// </summary>
public static class LoopbackServer
{
    /// <returns>The started app (dispose it to stop) and its base URL, <c>http://127.0.0.1:PORT</c>.</returns>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }
}
