using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Hosting;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The local AWS emulators of deploy/local, started once per test collection: fauxqs (SQS + S3) and Amazon
/// DynamoDB Local, each on a free 127.0.0.1 port chosen by the emulator itself (port 0), so nothing races for a port.
/// Installs them on first use through deploy/local/install (npm ci + DynamoDB Local), the same script a developer runs.
/// A missing Node.js, npm or Java fails the tests with a message naming what to install.
/// </summary>
public sealed partial class LocalAwsFixture : IAsyncLifetime
{
    public const string Region = "us-east-1";

    private static readonly string[] RequiredTools = ["node", "npm", "java"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly List<Process> _processes = [];
    private readonly Dictionary<string, Task<IHost>> _hosts = [];

    public Uri DynamoDBServiceUrl { get; private set; } = null!;

    public Uri S3ServiceUrl { get; private set; } = null!;

    /// <summary>fauxqs serves SQS and S3 on the same port.</summary>
    public Uri SqsServiceUrl => S3ServiceUrl;

    /// <summary>How long deploy/local/install took in this run (near zero once installed).</summary>
    public TimeSpan InstallTime { get; private set; }

    public IAmazonDynamoDB DynamoDB { get; private set; } = null!;

    public IAmazonS3 S3 { get; private set; } = null!;

    public IAmazonSQS Sqs { get; private set; } = null!;

    /// <summary>Credentials the emulators accept; DynamoDB Local keeps one database per access key and region.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("local", "local");

    /// <summary>
    /// Settings that run the real silo program in the AwsLocal profile against these emulators (or another SQS/S3
    /// endpoint), with table, queue and bucket names of one run only, so reruns never meet earlier state.
    /// </summary>
    public Dictionary<string, string> AwsLocalSettings(string run, Uri? sqsAndS3 = null) => new()
    {
        ["SecurityCoach:Profile"] = "AwsLocal",
        ["AWS:Region"] = Region,
        ["AWS:DynamoDB:ServiceURL"] = DynamoDBServiceUrl.ToString(),
        ["AWS:SQS:ServiceURL"] = (sqsAndS3 ?? SqsServiceUrl).ToString(),
        ["AWS:S3:ServiceURL"] = (sqsAndS3 ?? S3ServiceUrl).ToString(),
        ["SecurityCoach:Aws:ClusterId"] = $"awslocal-{run}",
        ["SecurityCoach:Aws:GrainStateTable"] = $"state-{run}",
        ["SecurityCoach:Aws:SilosTable"] = $"silos-{run}",
        ["SecurityCoach:Aws:RemindersTable"] = $"reminders-{run}",
        ["SecurityCoach:Aws:QueueNamePrefix"] = $"events-{run}",
        ["SecurityCoach:Aws:QueueCount"] = "2",
        ["SecurityCoach:Aws:Bucket"] = $"securitycoach-{run}",
    };

    public async Task InitializeAsync()
    {
        RequireTools();
        var local = Path.Combine(FindRepositoryRoot(), "deploy", "local");

        var install = Stopwatch.StartNew();
        await RunToCompletion("bash", [Path.Combine(local, "install")], local, TimeSpan.FromMinutes(5));
        InstallTime = install.Elapsed;

        var emulator = Path.Combine(local, ".emulators", "dynamodb");
        var fauxqs = Start(
            Path.Combine(local, "node_modules", ".bin", "node"),
            ["--no-warnings", Path.Combine(local, "fauxqs-loopback.mjs")],
            local,
            new() { ["FAUXQS_PORT"] = "0", ["FAUXQS_DEFAULT_REGION"] = Region });
        var dynamo = Start(
            "java",
            [
                $"-Djava.library.path={Path.Combine(emulator, "DynamoDBLocal_lib")}",
                "-cp", $"{Path.Combine(emulator, "DynamoDBLocal.jar")}:{Path.Combine(emulator, "DynamoDBLocal_lib", "*")}",
                Path.Combine(local, "DynamoDBLocalLoopback.java"),
                "0",
            ],
            local,
            []);

        var ports = await Task.WhenAll(WaitForPort(fauxqs, "fauxqs"), WaitForPort(dynamo, "DynamoDB Local"));
        S3ServiceUrl = new Uri($"http://127.0.0.1:{ports[0]}");
        DynamoDBServiceUrl = new Uri($"http://127.0.0.1:{ports[1]}");
        DynamoDB = CreateDynamoDB(DynamoDBServiceUrl);
        S3 = CreateS3(S3ServiceUrl);
        Sqs = new AmazonSQSClient(Credentials, new AmazonSQSConfig { ServiceURL = SqsServiceUrl.ToString(), AuthenticationRegion = Region });
    }

    /// <summary>A silo host shared by the tests of the collection, started on first use and stopped with the emulators.</summary>
    public Task<IHost> SharedHost(string key, Func<LocalAwsFixture, Task<IHost>> start)
    {
        lock (_hosts)
        {
            if (!_hosts.TryGetValue(key, out var host))
            {
                _hosts[key] = host = start(this);
            }

            return host;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            if (host.IsCompletedSuccessfully)
            {
                await host.Result.StopAsync();
                host.Result.Dispose();
            }
        }

        DynamoDB?.Dispose();
        S3?.Dispose();
        Sqs?.Dispose();
        foreach (var process in _processes)
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
    }

    public static AmazonDynamoDBClient CreateDynamoDB(Uri serviceUrl) =>
        new(Credentials, new AmazonDynamoDBConfig { ServiceURL = serviceUrl.ToString(), AuthenticationRegion = Region });

    public static AmazonS3Client CreateS3(Uri serviceUrl) =>
        new(Credentials, new AmazonS3Config { ServiceURL = serviceUrl.ToString(), AuthenticationRegion = Region, ForcePathStyle = true });

    private static void RequireTools()
    {
        var missing = RequiredTools.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The AWS provider tests run against local emulators and need {string.Join(", ", missing)} on PATH. " +
                "Install Node.js >= 20 with npm (e.g. `apt-get install nodejs npm`) and Java >= 17 " +
                "(e.g. `apt-get install openjdk-17-jre-headless`); deploy/local/install does the rest.");
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "deploy", "local", "install")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"deploy/local/install not found above {AppContext.BaseDirectory}");
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

    private Process Start(string file, string[] args, string workingDirectory, Dictionary<string, string> environment)
    {
        var process = Launch(file, args, workingDirectory, environment);
        _processes.Add(process);
        return process;
    }

    /// <summary>Starts an emulator that exits when the test host does (its stdin closes); the caller stops it.</summary>
    internal static Process Launch(string file, string[] args, string workingDirectory, Dictionary<string, string> environment)
    {
        environment["LOCAL_AWS_EXIT_WITH_STDIN"] = "1";
        var process = new Process { StartInfo = StartInfo(file, args, workingDirectory, environment) };
        process.Start();
        return process;
    }

    /// <summary>deploy/local of this repository, installed by the fixture.</summary>
    internal static string LocalDirectory() => Path.Combine(FindRepositoryRoot(), "deploy", "local");

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

    internal static async Task<int> WaitForPort(Process process, string name)
    {
        var output = new StringBuilder();
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                port.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
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

[CollectionDefinition(Name)]
public sealed class LocalAwsCollection : ICollectionFixture<LocalAwsFixture>
{
    public const string Name = "local-aws";
}
