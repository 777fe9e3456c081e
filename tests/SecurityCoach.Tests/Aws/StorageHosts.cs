using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecurityCoach.Providers.Aws.Hosting;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Aws;

/// <summary>Single-silo hosts whose grain storage providers the conformance tests call directly.</summary>
public static class StorageHosts
{
    public const string DynamoDB = "ddb";
    public const string DynamoDBWithoutS3 = "ddb-no-s3";
    public const string Memory = "memory";
    public const string Bucket = "grain-state-tests";
    public const int MaxInlineStateBytes = 64 * 1024;

    /// <summary>A <see cref="ConformanceState.Count"/> at least this is the epoch second the state expires at.</summary>
    public const int ExpiringCount = 1_000_000_000;

    public static async Task<IHost> StartMemory()
    {
        var host = Silo(silo => silo.AddMemoryGrainStorage(Memory));
        await host.StartAsync();
        return host;
    }

    public static async Task<IHost> StartDynamoDB(LocalAwsFixture aws)
    {
        var table = $"grain-state-{Guid.NewGuid():N}";
        var host = Silo(silo =>
        {
            silo.AddDynamoDBGrainStorage(DynamoDB, o =>
            {
                Local(o, aws, table);
                o.S3BucketName = Bucket;
                o.S3ServiceURL = aws.S3ServiceUrl.ToString();
                // Low, so the S3 path is exercised with states of a few hundred KB.
                o.MaxInlineStateBytes = MaxInlineStateBytes;
                // Only a count that reads as a date expires (ExpiringCount): the conformance counts are small.
                o.ExpiresAt = state => state is ConformanceState { Count: >= ExpiringCount } c ? DateTimeOffset.FromUnixTimeSeconds(c.Count) : null;
            });
            silo.AddDynamoDBGrainStorage(DynamoDBWithoutS3, o =>
            {
                Local(o, aws, table);
                o.MaxInlineStateBytes = MaxInlineStateBytes;
            });
        });
        await host.StartAsync();
        return host;
    }

    public static void Local(DynamoDBProviderOptions options, LocalAwsFixture aws, string table)
    {
        options.ServiceURL = aws.DynamoDBServiceUrl.ToString();
        options.Region = LocalAwsFixture.Region;
        options.Credentials = LocalAwsFixture.Credentials;
        options.TableName = table;
        options.CreateIfNotExists = true;
    }

    private static IHost Silo(Action<ISiloBuilder> configure) =>
        new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(FreePort.Next(), FreePort.Next(), serviceId: "conformance", clusterId: $"c-{Guid.NewGuid():N}");
                configure(silo);
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
}
