using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SecurityCoach.Benchmarks.Load;
using SecurityCoach.Silo;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// A generated admin key (Local, none configured) goes to the log only while the silo listens on loopback; listening on
/// any other address (the Docker image: <c>http://+:8080</c>) it goes to a file only its owner can read, whose path is
/// logged, since a container's log is read by far more people than its file system.
/// </summary>
public sealed class GeneratedAdminKeyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-admin-key-" + Guid.NewGuid().ToString("N"));

    private string KeyFile => Path.Combine(_directory, ".securitycoach", "admin.key");

    private async Task<(WebApplication App, CapturedLog Log, int Port)> StartAsync(string host, string? keyFile = null)
    {
        var port = FreePort.Next();
        var app = Program.Build([
            "--urls", $"http://{host}:{port}",
            "--SecurityCoach:AdminKeyFile", keyFile ?? KeyFile,
            "--SecurityCoach:Local:SiloPort", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--SecurityCoach:Local:GatewayPort", FreePort.Next().ToString(CultureInfo.InvariantCulture),
        ]);
        var log = new CapturedLog();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        app.LogStartupNotes();
        await app.StartAsync();
        return (app, log, port);
    }

    [Fact]
    public async Task Listening_on_every_address_the_key_is_written_to_an_owner_only_file_and_not_logged()
    {
        var (app, log, port) = await StartAsync("0.0.0.0");
        await using (app)
        {
            Assert.True(File.Exists(KeyFile), $"no key file at {KeyFile}; the log said: {string.Join(" | ", log.Messages)}");
            var key = File.ReadAllText(KeyFile).Trim();
            Assert.StartsWith("sca_", key, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
            }

            Assert.DoesNotContain(log.Messages, m => m.Contains(key, StringComparison.Ordinal));
            Assert.Contains(log.Messages, m => m.Contains(KeyFile, StringComparison.Ordinal));

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
            using var created = await http.PostAsJsonAsync("/v1/tenants", new { tenantId = "key-from-file", name = "Key from file" });
            created.EnsureSuccessStatusCode();
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Listening_on_every_address_a_key_file_that_cannot_be_written_stops_the_silo_without_logging_the_key()
    {
        // A directory where a file is: as unwritable as the Docker image's /app would be without its data directory.
        Directory.CreateDirectory(_directory);
        var blocker = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(blocker, "");
        var (app, log, _) = await StartAsync("0.0.0.0", Path.Combine(blocker, "admin.key"));
        await using (app)
        {
            Assert.True(app.Lifetime.ApplicationStopping.IsCancellationRequested, "the silo keeps running with a key nobody can read");
            Assert.Contains(log.Messages, m => m.Contains("could not be written to " + Path.Combine(blocker, "admin.key"), StringComparison.Ordinal));
            Assert.DoesNotContain(log.Messages, m => m.Contains("sca_", StringComparison.Ordinal));
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Listening_on_loopback_the_key_is_logged_as_before_and_no_file_is_written()
    {
        var (app, log, _) = await StartAsync("127.0.0.1");
        await using (app)
        {
            Assert.Contains(log.Messages, m => m.Contains("generated one for this run: sca_", StringComparison.Ordinal));
            Assert.False(File.Exists(KeyFile));
            await app.StopAsync();
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
