using System.Diagnostics;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// A fauxqs of one test's own, persisting to a temporary directory (SQLite, written through on every change), so the
/// test can kill it and start it again on the same port with its queues, messages and objects intact — an SQS outage,
/// as far as its clients can tell, without touching the emulators the other tests share. Needs deploy/local installed
/// (the <see cref="LocalAwsFixture"/> does it).
/// </summary>
public sealed class RestartableFauxqs : IAsyncDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("fauxqs-").FullName;
    private Process? _process;
    private int _port;

    public Uri ServiceUrl => new($"http://127.0.0.1:{_port}");

    public static async Task<RestartableFauxqs> StartAsync()
    {
        var fauxqs = new RestartableFauxqs();
        await fauxqs.RunAsync();
        return fauxqs;
    }

    /// <summary>Kills the process (no graceful shutdown: what it wrote so far is all that survives).</summary>
    public void Kill()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts it again on the port it had, from its data directory.</summary>
    public Task RestartAsync() => RunAsync();

    private async Task RunAsync()
    {
        var local = LocalAwsFixture.LocalDirectory();
        _process = LocalAwsFixture.Launch(
            Path.Combine(local, "node_modules", ".bin", "node"),
            ["--no-warnings", Path.Combine(local, "fauxqs-loopback.mjs")],
            local,
            new()
            {
                ["FAUXQS_PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["FAUXQS_DEFAULT_REGION"] = LocalAwsFixture.Region,
                ["FAUXQS_PERSISTENCE"] = "true",
                ["FAUXQS_DATA_DIR"] = _dataDirectory,
            });
        _port = await LocalAwsFixture.WaitForPort(_process, "fauxqs (restartable)");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is harmless.
        }

        return ValueTask.CompletedTask;
    }
}
