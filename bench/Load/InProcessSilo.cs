using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The real silo program (<c>Program.Build</c> of silo/; Local profile unless settings say otherwise) in this process,
/// on free loopback ports for HTTP, silo and gateway, with its own admin key. Everything else is the program's own
/// configuration (silo/appsettings.json, copied beside this assembly) plus the settings given (aws-local: the AwsLocal
/// profile and the emulators' endpoints); only the log level is lowered, since the silo's console is also the load
/// generator's.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessSilo(WebApplication app, Uri baseAddress, string adminKey)
    {
        _app = app;
        BaseAddress = baseAddress;
        AdminKey = adminKey;
    }

    public Uri BaseAddress { get; }

    public string AdminKey { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Which grain the current thread runs, if any (for counting what a grain measures).</summary>
    public IGrainContextAccessor GrainContexts => _app.Services.GetRequiredService<IGrainContextAccessor>();

    public static async Task<InProcessSilo> StartAsync(string logLevel, IReadOnlyDictionary<string, string>? settings = null)
    {
        var adminKey = "bench-admin-" + Guid.NewGuid().ToString("N");
        List<string> args =
        [
            "--contentRoot", AppContext.BaseDirectory,
            "--urls", "http://127.0.0.1:0",
            "--SecurityCoach:AdminApiKey", adminKey,
            "--SecurityCoach:Local:SiloPort", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--SecurityCoach:Local:GatewayPort", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default", logLevel,
            "--Logging:LogLevel:Orleans.Runtime.Silo", logLevel,
        ];
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.Add("--" + key);
            args.Add(value);
        }

        var app = Program.Build([.. args]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessSilo(app, new Uri(address), adminKey);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
