using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using Microsoft.Extensions.Hosting;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The local AWS emulators of deploy/local, started once per test collection through <see cref="LocalAwsEmulators"/>
/// (the load generator's aws-local scenario starts them the same way): fauxqs (SQS + S3) and Amazon DynamoDB Local,
/// each on a free 127.0.0.1 port, installed on first use by deploy/local/install. A missing Node.js, npm or Java fails
/// the tests with a message naming what to install.
/// </summary>
public sealed class LocalAwsFixture : IAsyncLifetime
{
    public const string Region = LocalAwsEmulators.Region;

    private readonly Dictionary<string, Task<IHost>> _hosts = [];
    private LocalAwsEmulators? _emulators;

    public Uri DynamoDBServiceUrl => Emulators.DynamoDBServiceUrl;

    public Uri S3ServiceUrl => Emulators.S3ServiceUrl;

    /// <summary>fauxqs serves SQS and S3 on the same port.</summary>
    public Uri SqsServiceUrl => Emulators.SqsServiceUrl;

    /// <summary>How long deploy/local/install took in this run (near zero once installed).</summary>
    public TimeSpan InstallTime => Emulators.InstallTime;

    public IAmazonDynamoDB DynamoDB { get; private set; } = null!;

    public IAmazonS3 S3 { get; private set; } = null!;

    public IAmazonSQS Sqs { get; private set; } = null!;

    /// <summary>Credentials the emulators accept; DynamoDB Local keeps one database per access key and region.</summary>
    public static AWSCredentials Credentials => LocalAwsEmulators.Credentials;

    private LocalAwsEmulators Emulators => _emulators ?? throw new InvalidOperationException("The emulators are not started.");

    /// <summary>
    /// Settings that run the real silo program in the AwsLocal profile against these emulators (or another SQS/S3
    /// endpoint), with table, queue and bucket names of one run only, so reruns never meet earlier state.
    /// Two queues, not the profile's eight: fewer pulling agents on a test machine's cores.
    /// </summary>
    public Dictionary<string, string> AwsLocalSettings(string run, Uri? sqsAndS3 = null) =>
        LocalAwsEmulators.AwsLocalSettings(run, DynamoDBServiceUrl, sqsAndS3 ?? SqsServiceUrl, queueCount: 2);

    public async Task InitializeAsync()
    {
        _emulators = await LocalAwsEmulators.StartAsync();
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
        if (_emulators is not null)
        {
            await _emulators.DisposeAsync();
        }
    }

    public static AmazonDynamoDBClient CreateDynamoDB(Uri serviceUrl) =>
        new(Credentials, new AmazonDynamoDBConfig { ServiceURL = serviceUrl.ToString(), AuthenticationRegion = Region });

    public static AmazonS3Client CreateS3(Uri serviceUrl) =>
        new(Credentials, new AmazonS3Config { ServiceURL = serviceUrl.ToString(), AuthenticationRegion = Region, ForcePathStyle = true });
}

[CollectionDefinition(Name)]
public sealed class LocalAwsCollection : ICollectionFixture<LocalAwsFixture>
{
    public const string Name = "local-aws";
}
