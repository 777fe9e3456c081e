using System.Diagnostics;
using SecurityCoach.Benchmarks.Load;

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
    private bool _frozen;

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

        LocalAwsEmulators.Stop(_process);
        _process = null;
    }

    /// <summary>
    /// Stops the process without closing its socket (SIGSTOP): connections are still accepted by the kernel but never
    /// answered — an endpoint that hangs rather than refuses. <see cref="ThawAsync"/> lets it run on.
    /// </summary>
    public async Task FreezeAsync()
    {
        await SignalAsync("-STOP");
        _frozen = true;
    }

    public async Task ThawAsync()
    {
        if (_frozen)
        {
            await SignalAsync("-CONT");
            _frozen = false;
        }
    }

    /// <summary>
    /// Thaws on disposal: declared after the silo that uses this fauxqs, it runs before the silo stops, whose shutdown
    /// would otherwise wait on a frozen endpoint when a test fails mid-outage.
    /// </summary>
    public IAsyncDisposable ThawWhenDisposed() => new Thawer(this);

    private sealed class Thawer(RestartableFauxqs fauxqs) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await fauxqs.ThawAsync();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {_process.Id} exited with {kill.ExitCode}");
        }
    }

    /// <summary>Starts it again on the port it had, from its data directory.</summary>
    public Task RestartAsync() => RunAsync();

    private async Task RunAsync()
    {
        _process = LocalAwsEmulators.LaunchFauxqs(_port, new()
        {
            ["FAUXQS_PERSISTENCE"] = "true",
            ["FAUXQS_DATA_DIR"] = _dataDirectory,
        });
        _port = await LocalAwsEmulators.WaitForPort(_process, "fauxqs (restartable)");
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
