using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// The local AWS emulators of deploy/local — fauxqs (SQS + S3 on one port) and Amazon DynamoDB Local — each on a free
/// 127.0.0.1 port chosen by the emulator itself (port 0), so nothing races for a port. Installs them on first use
/// through deploy/local/install (npm ci + DynamoDB Local), the same script a developer runs. A missing Node.js, npm or
/// Java fails with a message naming what to install. Disposing stops both. The tests' LocalAwsFixture and the
/// load generator's aws-local and sqs-raw scenarios both start them through this class.
/// </summary>
public sealed partial class LocalAwsEmulators : IAsyncDisposable
{
    public const string Region = "us-east-1";

    private static readonly string[] RequiredTools = ["node", "npm", "java"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly Process _fauxqs;
    private readonly Process _dynamoDB;

    private LocalAwsEmulators(Process fauxqs, Process dynamoDB, Uri sqsAndS3, Uri dynamoDBUrl, TimeSpan installTime)
    {
        _fauxqs = fauxqs;
        _dynamoDB = dynamoDB;
        SqsServiceUrl = sqsAndS3;
        DynamoDBServiceUrl = dynamoDBUrl;
        InstallTime = installTime;
    }

    /// <summary>fauxqs serves SQS and S3 on the same port.</summary>
    public Uri SqsServiceUrl { get; }

    public Uri S3ServiceUrl => SqsServiceUrl;

    public Uri DynamoDBServiceUrl { get; }

    /// <summary>How long deploy/local/install took in this run (near zero once installed).</summary>
    public TimeSpan InstallTime { get; }

    /// <summary>Credentials the emulators accept; DynamoDB Local keeps one database per access key and region.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("local", "local");

    /// <summary>Installs the emulators when needed and starts both; throws with what to install when a tool is missing.</summary>
    public static async Task<LocalAwsEmulators> StartAsync()
    {
        RequireTools();
        var local = LocalDirectory();

        var install = Stopwatch.StartNew();
        await RunToCompletion("bash", [Path.Combine(local, "install")], local, TimeSpan.FromMinutes(5));
        var installTime = install.Elapsed;

        var fauxqs = LaunchFauxqs(0, []);
        var emulator = Path.Combine(local, ".emulators", "dynamodb");
        Process dynamoDB;
        try
        {
            dynamoDB = Launch(
                "java",
                [
                    $"-Djava.library.path={Path.Combine(emulator, "DynamoDBLocal_lib")}",
                    "-cp", $"{Path.Combine(emulator, "DynamoDBLocal.jar")}:{Path.Combine(emulator, "DynamoDBLocal_lib", "*")}",
                    Path.Combine(local, "DynamoDBLocalLoopback.java"),
                    "0",
                ],
                // DynamoDB Local writes a metadata file into its working directory: keep it with the download.
                emulator,
                []);
        }
        catch
        {
            Stop(fauxqs);
            throw;
        }

        try
        {
            var ports = await Task.WhenAll(WaitForPort(fauxqs, "fauxqs"), WaitForPort(dynamoDB, "DynamoDB Local"));
            return new LocalAwsEmulators(fauxqs, dynamoDB, Loopback(ports[0]), Loopback(ports[1]), installTime);
        }
        catch
        {
            Stop(fauxqs);
            Stop(dynamoDB);
            throw;
        }
    }

    /// <summary>
    /// Settings that run the real silo program in the AwsLocal profile against the given endpoints, with table, queue
    /// and bucket names of one run only, so reruns never meet earlier state. <paramref name="queueCount"/> null keeps the
    /// profile's default.
    /// </summary>
    public static Dictionary<string, string> AwsLocalSettings(string run, Uri dynamoDB, Uri sqsAndS3, int? queueCount = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["SecurityCoach:Profile"] = "AwsLocal",
            ["AWS:Region"] = Region,
            ["AWS:DynamoDB:ServiceURL"] = dynamoDB.ToString(),
            ["AWS:SQS:ServiceURL"] = sqsAndS3.ToString(),
            ["AWS:S3:ServiceURL"] = sqsAndS3.ToString(),
            ["SecurityCoach:Aws:ClusterId"] = $"awslocal-{run}",
            ["SecurityCoach:Aws:GrainStateTable"] = $"state-{run}",
            ["SecurityCoach:Aws:SilosTable"] = $"silos-{run}",
            ["SecurityCoach:Aws:RemindersTable"] = $"reminders-{run}",
            ["SecurityCoach:Aws:QueueNamePrefix"] = $"events-{run}",
            ["SecurityCoach:Aws:Bucket"] = $"securitycoach-{run}",
            // The receivers of these runs are on loopback, which the AWS profiles' outbound policy refuses by default.
            ["SecurityCoach:Outbound:AllowedNetworks:0"] = "127.0.0.0/8",
        };
        if (queueCount is { } count)
        {
            settings["SecurityCoach:Aws:QueueCount"] = count.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>CPU time each emulator process has used so far (DynamoDB Local's JVM threads included).</summary>
    public IReadOnlyDictionary<string, TimeSpan> CpuTimes() => new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["fauxqs"] = CpuTime(_fauxqs),
        ["dynamodb_local"] = CpuTime(_dynamoDB),
    };

    /// <summary>
    /// Starts a fauxqs of its own on <paramref name="port"/> (0: a free one, read back with <see cref="WaitForPort"/>);
    /// <paramref name="environment"/> adds fauxqs settings such as <c>FAUXQS_PERSISTENCE</c>. The caller stops it.
    /// </summary>
    public static Process LaunchFauxqs(int port, Dictionary<string, string> environment)
    {
        var local = LocalDirectory();
        environment["FAUXQS_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        environment["FAUXQS_DEFAULT_REGION"] = Region;
        return Launch(
            Path.Combine(local, "node_modules", ".bin", "node"),
            ["--no-warnings", Path.Combine(local, "fauxqs-loopback.mjs")],
            local,
            environment);
    }

    /// <summary>The port an emulator reports in its <c>listening on 127.0.0.1:PORT</c> line; fails with its output when it exits or stays silent.</summary>
    public static async Task<int> WaitForPort(Process process, string name)
    {
        var output = new StringBuilder();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => port.TrySetException(new InvalidOperationException($"{name} exited during start-up:\n{Snapshot(output)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            port.TrySetException(new InvalidOperationException($"{name} exited during start-up:\n{Snapshot(output)}"));
        }

        var winner = await Task.WhenAny(port.Task, Task.Delay(StartTimeout));
        return winner == port.Task
            ? await port.Task
            : throw new TimeoutException($"{name} did not report its port within {StartTimeout}:\n{Snapshot(output)}");
    }

    /// <summary>Kills an emulator process and its children and waits for it; one that already exited is left alone.</summary>
    public static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Stop(_fauxqs);
        Stop(_dynamoDB);
        return ValueTask.CompletedTask;
    }

    private static Uri Loopback(int port) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");

    private static TimeSpan CpuTime(Process process)
    {
        try
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    private static void RequireTools()
    {
        var missing = RequiredTools.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The local AWS emulators (deploy/local) need {string.Join(", ", missing)} on PATH. " +
                "Install Node.js >= 20 with npm (e.g. `apt-get install nodejs npm`) and Java >= 17 " +
                "(e.g. `apt-get install openjdk-17-jre-headless`); deploy/local/install does the rest.");
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    /// <summary>deploy/local of the repository this runs from (found above the working directory or this assembly).</summary>
    private static string LocalDirectory()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "deploy", "local", "install")))
                {
                    return Path.Combine(dir.FullName, "deploy", "local");
                }
            }
        }

        throw new InvalidOperationException($"deploy/local/install not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}");
    }

    private static async Task RunToCompletion(string file, string[] args, string workingDirectory, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = StartInfo(file, args, workingDirectory, []) };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}:\n{Snapshot(output)}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{Snapshot(output)}");
        }
    }

    /// <summary>Starts an emulator that exits when this process does (its stdin closes), so none outlives a crash.</summary>
    private static Process Launch(string file, string[] args, string workingDirectory, Dictionary<string, string> environment)
    {
        environment["LOCAL_AWS_EXIT_WITH_STDIN"] = "1";
        var process = new Process { StartInfo = StartInfo(file, args, workingDirectory, environment) };
        process.Start();
        return process;
    }

    private static ProcessStartInfo StartInfo(string file, string[] args, string workingDirectory, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
