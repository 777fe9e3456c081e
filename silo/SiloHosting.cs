using System.Net;
using Amazon.Runtime;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using SecurityCoach.Storage;
using SecurityCoach.Providers.Aws.Hosting;
using SecurityCoach.Providers.Aws.Streaming;
using Orleans.Dashboard;
using SecurityCoach.Api;
using SecurityCoach.Api.Auth;

namespace SecurityCoach.Silo;

/// <summary>The deployment profiles (setting <c>SecurityCoach:Profile</c>), as DESIGN.md's table lists them.</summary>
public static class Profiles
{
    public const string Setting = "SecurityCoach:Profile";
    public const string Local = "Local";
    public const string AwsLocal = "AwsLocal";
    public const string Aws = "Aws";
}

/// <summary>Local-profile settings (section <c>SecurityCoach:Local</c>).</summary>
public sealed class LocalProfileOptions
{
    public const string Section = "SecurityCoach:Local";

    /// <summary>Silo-to-silo port on loopback. Default 11111.</summary>
    public int SiloPort { get; set; } = EndpointOptions.DEFAULT_SILO_PORT;

    /// <summary>Client gateway port on loopback. Default 30000.</summary>
    public int GatewayPort { get; set; } = EndpointOptions.DEFAULT_GATEWAY_PORT;

    /// <summary>
    /// Ended coachings whose records the silo's memory keeps, newest first (older ones are forgotten: their GET answers
    /// 404, and they leave their user's view); failed and running ones are always kept. 0 keeps all. Default 10,000.
    /// </summary>
    public int KeepEndedCoachings { get; set; } = 10_000;
}

/// <summary>Configures Orleans for the chosen profile.</summary>
public static class SiloHosting
{
    public const string ServiceId = "securitycoach";

    /// <summary>Entries of the Local profile's grain-directory cache (Orleans' default: 1,000,000).</summary>
    private const int LocalDirectoryCacheSize = 10_000;

    private const string GeneratedAdminKeyNote = "SecurityCoach:GeneratedAdminKey";

    /// <summary>Where a generated admin key is written when the silo listens beyond loopback.</summary>
    public const string AdminKeyFileSetting = "SecurityCoach:AdminKeyFile";

    public const string DefaultAdminKeyFile = ".securitycoach/admin.key";

    public static WebApplicationBuilder AddSecurityCoachSilo(this WebApplicationBuilder builder)
    {
        var profile = builder.Configuration[Profiles.Setting] ?? Profiles.Local;
        SecretKeys.Add(builder, profile);
        switch (profile)
        {
            case Profiles.Local:
                var local = builder.Configuration.GetSection(LocalProfileOptions.Section).Get<LocalProfileOptions>() ?? new LocalProfileOptions();
                if (local.KeepEndedCoachings < 0)
                {
                    throw new InvalidOperationException(
                        $"{LocalProfileOptions.Section}:{nameof(LocalProfileOptions.KeepEndedCoachings)} is {local.KeepEndedCoachings}; use a count of ended coachings to keep, or 0 to keep all.");
                }

                EnsureAdminKey(builder, generateWhenMissing: true);
                // The in-process streams hold every accepted event in this process until it is scored: ingest refuses more
                // once the silo falls behind on its work (ProcessingLag) or a tenant's coachings pile up
                // (CoachingsInProgress), rather than grow the backlog until the silo collapses.
                // The dev inbox and a receiver on the developer's own machine are on loopback.
                builder.Services.PostConfigure<SecurityCoach.Notifications.Outbound.OutboundOptions>(o => o.AllowedNetworks ??= ["127.0.0.0/8", "::1", "localhost"]);
                builder.Services.PostConfigure<BackpressureOptions>(o =>
                {
                    o.MaxProcessingLag ??= BackpressureOptions.LocalMaxProcessingLag;
                    o.MaxCoachingsInProgress ??= BackpressureOptions.LocalMaxCoachingsInProgress;
                });
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(local.SiloPort, local.GatewayPort, serviceId: ServiceId, clusterId: "local");
                    // State in this process's memory, like Orleans' memory storage but without its storage grains
                    // (grains/Storage/InProcessGrainStorage.cs): the Local profile is one silo.
                    silo.Services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
                        (services, _) => new InProcessGrainStorage(services.GetRequiredService<IGrainStorageSerializer>(), local.KeepEndedCoachings));
                    // Streams whose queues are this silo's memory (providers/Streaming/InProcessStreams.cs): a publish is
                    // an enqueue of the batch itself, where Orleans' memory streams make it two grain calls, a
                    // serialization and three copies. Bounded per queue; ingest answers 503 when a publish is refused.
                    silo.AddInProcessStreams(SecurityEventStreams.ProviderName, streams =>
                    {
                        // User streams have only implicit subscribers: no pub/sub grain work per stream.
                        streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
                        // Orleans polls a queue every 100 ms by default, half the end-to-end budget on average;
                        // polling an in-memory queue costs next to nothing.
                        streams.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10)));
                    });
                    silo.UseInMemoryReminderService();
                    silo.AddDashboard();
                    // Orleans' grain-directory cache keeps an entry per grain it has addressed (1,000,000 by default):
                    // here one per coaching, each a short-lived grain, so it filled at the coaching rate, and the
                    // dashboard's metrics count it every second by walking every entry — CPU that grew with the run
                    // (the local benchmark fell from ≈ 6,500 to ≈ 5,000 events/s over three minutes). One silo has
                    // little to cache.
                    silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = LocalDirectoryCacheSize);
                });
                break;
            case Profiles.AwsLocal or Profiles.Aws:
                EnsureAdminKey(builder, generateWhenMissing: profile == Profiles.AwsLocal);
                // Before Orleans: hosted services stop in reverse order, so the audit batcher writes its last objects
                // after the silo has stopped and its grains have recorded their last outcomes.
                AddAuditLog(builder, profile == Profiles.AwsLocal);
                builder.Services.PostConfigure<BackpressureOptions>(o => o.MaxCoachingsInProgress ??= BackpressureOptions.ClusterMaxCoachingsInProgress);
                builder.UseOrleans(silo => ConfigureAws(silo, profile == Profiles.AwsLocal));
                break;
            default:
                throw new InvalidOperationException(
                    $"Unknown profile '{profile}' in {Profiles.Setting}; use {Profiles.Local}, {Profiles.AwsLocal} or {Profiles.Aws}.");
        }

        return builder;
    }

    /// <summary>
    /// AwsLocal and Aws: DynamoDB clustering, grain state and reminders, SQS streams, S3 for what does not fit
    /// (providers/). AwsLocal runs against the emulators of deploy/local on loopback (endpoints from
    /// <c>AWS:*:ServiceURL</c>, dummy credentials, resources created at start-up); Aws uses the standard credential
    /// chain and region, only verifies the resources deploy/ecs created, and advertises the ECS task's address.
    /// </summary>
    private static void ConfigureAws(ISiloBuilder silo, bool local)
    {
        var configuration = silo.Configuration;
        var aws = configuration.GetSection(AwsProfileOptions.Section).Get<AwsProfileOptions>() ?? new AwsProfileOptions();
        var create = aws.CreateIfNotExists ?? local;
        var region = configuration["AWS:Region"] ?? (local ? "us-east-1" : null);
        var dynamoDB = configuration["AWS:DynamoDB:ServiceURL"];
        var sqs = configuration["AWS:SQS:ServiceURL"];
        var s3 = configuration["AWS:S3:ServiceURL"];
        // The emulators accept any key; without one the SDK would look for a real profile and fail.
        var credentials = local ? new BasicAWSCredentials("local", "local") : null;

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = aws.ClusterId;
            o.ServiceId = ServiceId;
        });
        if (local)
        {
            var ports = configuration.GetSection(LocalProfileOptions.Section).Get<LocalProfileOptions>() ?? new LocalProfileOptions();
            silo.ConfigureEndpoints(IPAddress.Loopback, ports.SiloPort, ports.GatewayPort, listenOnAnyHostAddress: false);
        }
        else
        {
            // Read once at start-up: the silo cannot join its cluster before it knows its own address.
            var advertised = EcsTaskMetadata.TryGetIPv4Async(Environment.GetEnvironmentVariable(EcsTaskMetadata.EndpointVariable))
                .GetAwaiter().GetResult();
            silo.ConfigureEndpoints(advertised ?? IPAddress.Loopback, EndpointOptions.DEFAULT_SILO_PORT, EndpointOptions.DEFAULT_GATEWAY_PORT, listenOnAnyHostAddress: true);
        }

        // The three DynamoDB providers differ only in their table (and storage's S3 bucket for large states).
        void Table(DynamoDBProviderOptions o, string table)
        {
            o.TableName = table;
            o.ServiceURL = dynamoDB;
            o.Region = region;
            o.Credentials = credentials;
            o.CreateIfNotExists = create;
        }

        silo.UseDynamoDBClustering(o => Table(o, aws.SilosTable));
        silo.AddDynamoDBGrainStorageAsDefault(o =>
        {
            Table(o, aws.GrainStateTable);
            o.S3BucketName = aws.Bucket;
            o.S3ServiceURL = s3;
            // An ended coaching past its tenant's retention is deleted by DynamoDB's time to live.
            o.ExpiresAt = state => state is IEndedState { RetainUntil: { } until } ? until : null;
        });
        silo.UseDynamoDBReminderService(o => Table(o, aws.RemindersTable));
        silo.AddSqsStreams(SecurityEventStreams.ProviderName, streams =>
        {
            streams.ConfigureSqs(options => options.Configure(o =>
            {
                o.ServiceURL = sqs;
                o.Region = region;
                o.Credentials = credentials;
                o.QueueNamePrefix = aws.QueueNamePrefix;
                o.QueueCount = aws.QueueCount;
                o.MaxReceiveCount = aws.MaxReceiveCount;
                o.S3BucketName = aws.Bucket;
                o.S3ServiceURL = s3;
                o.CreateIfNotExists = create;
            }));
            streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
            streams.WriteUsersBehind();
        });
        silo.Services.AddSingleton(services => SqsDeadLetters.Create(services, SecurityEventStreams.ProviderName));
        silo.AddDashboard();
    }

    /// <summary>The audit trail in <see cref="AwsProfileOptions.Bucket"/>, under <see cref="AwsProfileOptions.AuditKeyPrefix"/>.</summary>
    private static void AddAuditLog(WebApplicationBuilder builder, bool local)
    {
        var configuration = builder.Configuration;
        var aws = configuration.GetSection(AwsProfileOptions.Section).Get<AwsProfileOptions>() ?? new AwsProfileOptions();
        builder.Services.AddS3NdjsonBatcher(o =>
        {
            o.BucketName = aws.Bucket;
            o.KeyPrefix = aws.AuditKeyPrefix;
            o.FlushInterval = aws.AuditFlushInterval;
            o.ServiceURL = configuration["AWS:S3:ServiceURL"];
            o.Region = configuration["AWS:Region"] ?? (local ? "us-east-1" : null);
            o.Credentials = local ? new BasicAWSCredentials("local", "local") : null;
            o.CreateIfNotExists = aws.CreateIfNotExists ?? local;
        });
        builder.Services.AddSingleton<IAuditLog, S3AuditLog>();
    }

    /// <summary>In Local a missing admin key is generated for this run (and logged once); elsewhere it is required.</summary>
    private static void EnsureAdminKey(WebApplicationBuilder builder, bool generateWhenMissing)
    {
        var key = $"{ApiOptions.Section}:{nameof(ApiOptions.AdminApiKey)}";
        if (!string.IsNullOrEmpty(builder.Configuration[key]))
        {
            return;
        }

        if (!generateWhenMissing)
        {
            throw new InvalidOperationException($"{key} (env SecurityCoach__AdminApiKey) is required in this profile.");
        }

        var generated = ApiKeys.NewAdminKey();
        builder.Configuration[key] = generated;
        builder.Configuration[GeneratedAdminKeyNote] = generated;
    }

    /// <summary>
    /// Tells the person starting the silo the generated admin key, once it listens: in the log while it listens on
    /// loopback only; else in <see cref="AdminKeyFileSetting"/>, readable by the owner only, and the log names the file,
    /// since a container's or a server's log is read by more people than may administer every tenant. When the file
    /// cannot be written the silo stops.
    /// </summary>
    public static void LogStartupNotes(this WebApplication app)
    {
        if (app.Configuration[GeneratedAdminKeyNote] is not { Length: > 0 } generated)
        {
            return;
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Logger;
            if (app.Urls.All(IsLoopback))
            {
                logger.LogWarning(
                    "No SecurityCoach:AdminApiKey configured; generated one for this run: {AdminApiKey} (set SecurityCoach__AdminApiKey to choose your own)",
                    generated);
                return;
            }

            var urls = string.Join(", ", app.Urls);
            var path = Path.GetFullPath(app.Configuration[AdminKeyFileSetting] ?? DefaultAdminKeyFile);
            if (WriteAdminKey(path, generated) is { } failure)
            {
                logger.LogError(
                    "No SecurityCoach:AdminApiKey configured, and the silo listens on {Urls}, so the generated key is not logged; it could not be written to {AdminKeyFile} either ({Reason}). " +
                    "Set SecurityCoach__AdminApiKey, or SecurityCoach__AdminKeyFile to a file this user may write. Stopping.",
                    urls, path, failure);
                app.Lifetime.StopApplication();
                return;
            }

            logger.LogWarning(
                "No SecurityCoach:AdminApiKey configured; generated one for this run and, as the silo listens on {Urls}, wrote it to {AdminKeyFile} (readable by its owner only), not to this log. " +
                "Set SecurityCoach__AdminApiKey to choose your own",
                urls, path);
        });
    }

    /// <summary>Writes the key in a new file, in place of a key of an earlier run; null when written, else why not.</summary>
    private static string? WriteAdminKey(string path, string key)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }

            OwnerOnlyFile.CreateNew(path, key + "\n");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    /// <summary>A listening address reachable only from this machine: <c>localhost</c> or a loopback IP.</summary>
    private static bool IsLoopback(string url)
    {
        var host = BindingAddress.Parse(url).Host;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>
    /// <c>GET /healthz</c>: 200 once this silo is Active in the cluster, 503 before and while shutting down. Anyone may
    /// ask, so it tells the status only, never the silo's address or ports.
    /// </summary>
    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (ILocalSiloDetails silo, IClusterMembershipService membership) =>
            {
                var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
                return status == SiloStatus.Active
                    ? Results.Ok(new { status = status.ToString(), detail = "The silo is active in its cluster." })
                    : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Silo not active",
                        detail: $"The silo is {status}.", type: Problems.TypeBase + "silo-not-active");
            })
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("200 once the silo is active.");
        return app;
    }
}
