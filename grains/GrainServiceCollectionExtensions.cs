using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using SecurityCoach.Campaigns;
using SecurityCoach.Coaching;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Notifications;
using SecurityCoach.Notifications.Outbound;
using SecurityCoach.Risk;
using SecurityCoach.Storage;

namespace SecurityCoach;

/// <summary>Registers what the grains need: options, channels, the campaign and user-mapping caches, a clock.</summary>
public static class GrainServiceCollectionExtensions
{
    public static IServiceCollection AddSecurityCoachGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RiskOptions>().Bind(configuration.GetSection(RiskOptions.Section))
            .Validate(o => o.HalfLife > TimeSpan.Zero, $"{RiskOptions.Section}:HalfLife must be positive")
            .ValidateOnStart();
        services.AddOptions<CoachingOptions>().Bind(configuration.GetSection(CoachingOptions.Section))
            .Validate(o => o.MaxAttempts >= 1, $"{CoachingOptions.Section}:MaxAttempts must be at least 1")
            .Validate(o => o.RetryBackoffRate >= 1, $"{CoachingOptions.Section}:RetryBackoffRate must be at least 1")
            .Validate(o => o.RetryIntervalSeconds >= 1, $"{CoachingOptions.Section}:RetryIntervalSeconds must be a whole number of seconds, at least 1")
            .Validate(o => o.ChannelTimeout > TimeSpan.Zero, $"{CoachingOptions.Section}:ChannelTimeout must be positive")
            .Validate(o => o.MaxConnectionsPerEndpoint >= 1, $"{CoachingOptions.Section}:MaxConnectionsPerEndpoint must be at least 1")
            .Validate(o => o.MaxConnectionsPerTenantEndpoint >= 1, $"{CoachingOptions.Section}:MaxConnectionsPerTenantEndpoint must be at least 1")
            .Validate(o => o.WorkflowClockRate is > 0 and <= 1000, $"{CoachingOptions.Section}:WorkflowClockRate must be in (0, 1000]")
            .ValidateOnStart();
        services.AddOptions<WorkflowOptions>().Bind(configuration.GetSection(WorkflowOptions.Section))
            .Validate(o => o.Resources.TrueForAll(m => m.Resource.Length > 0 && CoachingSteps.All.Contains(m.Step)),
                $"every {WorkflowOptions.Section}:Resources entry needs a Resource and a Step that is one of: {string.Join(", ", CoachingSteps.All)}")
            .ValidateOnStart();
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section));
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section))
            .Validate(o => o.EndedCoachings > TimeSpan.Zero, $"{RetentionOptions.Section}:EndedCoachings must be positive")
            .ValidateOnStart();
        services.AddOptions<Tenants.QuotaOptions>().Bind(configuration.GetSection(Tenants.QuotaOptions.Section))
            .Validate(o => o.Campaigns >= 0 && o.Workflows >= 0 && o.ApiKeys >= 0 && o.CoachingsPerBatch >= 0 && o.CoachingStartsPerMinute >= 0 && o.AliasRows >= 0,
                $"every {Tenants.QuotaOptions.Section} value must be 0 or more")
            .Validate(o => o.AliasRows <= UserMappingRules.MaxAliases, $"{Tenants.QuotaOptions.Section}:AliasRows must be at most {UserMappingRules.MaxAliases}")
            .ValidateOnStart();
        services.AddOptions<BackpressureOptions>().Bind(configuration.GetSection(BackpressureOptions.Section))
            .Validate(o => o.MaxProcessingLag is not { } lag || lag >= TimeSpan.Zero, $"{BackpressureOptions.Section}:MaxProcessingLag must not be negative")
            .Validate(o => o.MaxCoachingsInProgress is not { } max || max >= 0, $"{BackpressureOptions.Section}:MaxCoachingsInProgress must not be negative")
            .ValidateOnStart();
        // The profile sets the defaults (SiloHosting); unset and without a profile default, backpressure is off.
        services.AddSingleton(services => new ProcessingLag(services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<IOptions<BackpressureOptions>>().Value.MaxProcessingLag ?? TimeSpan.Zero));
        services.AddSingleton(services => new CoachingsInProgress(
            services.GetRequiredService<IOptions<BackpressureOptions>>().Value.MaxCoachingsInProgress ?? 0));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Users.CoachingStartLimiter>();
        // The profile registers KMS or a key file first (SiloHosting).
        services.AddOptions<Secrets.SecretsOptions>().Bind(configuration.GetSection(Secrets.SecretsOptions.Section));
        // A configured LocalKey is shared by every silo given it (a test cluster's silos too); without one, the key is this process's.
        var localKey = configuration[$"{Secrets.SecretsOptions.Section}:{nameof(Secrets.SecretsOptions.LocalKey)}"];
        services.TryAddSingleton<Secrets.IDataKeySource>(_ => string.IsNullOrWhiteSpace(localKey)
            ? Secrets.LocalDataKeySource.Ephemeral()
            : new Secrets.LocalDataKeySource(Secrets.LocalDataKeySource.MasterKeyFromBase64(localKey, $"{Secrets.SecretsOptions.Section}:LocalKey")));
        services.AddSingleton<Secrets.ISecretProtector, Secrets.EnvelopeSecretProtector>();
        // The AwsLocal and Aws profiles register the S3 audit log first; Local keeps no audit trail.
        services.TryAddSingleton<IAuditLog, NullAuditLog>();
        // Grain state in Orleans' binary format rather than the default Newtonsoft JSON: every state type here is
        // [GenerateSerializer], and JSON cost a quarter of the CPU and most of the allocations per event (bench/README.md).
        services.AddSingleton<IGrainStorageSerializer, BinaryGrainStorageSerializer>();
        // The channel timeout is applied per request (HttpDelivery), so the client itself never times out first.
        // HttpDelivery reports every outcome itself, so the factory's per-request logging handlers only cost time.
        // HttpDelivery already lets at most MaxConnectionsPerEndpoint requests at a time to one endpoint (the wait for a
        // turn outside the channel timeout); the handler's own bound also holds where a redirect leads elsewhere.
        // Every connection goes through the outbound policy (it resolves the host itself, so DNS rebinding cannot pass),
        // redirects are not followed (a 302 would turn the POST into a GET anywhere), and no proxy is used (the policy
        // would then judge the proxy's address, not the receiver's).
        services.AddOptions<OutboundOptions>().Bind(configuration.GetSection(OutboundOptions.Section))
            .Validate(o => OutboundPolicy.InvalidNetwork(o) is null,
                $"every {OutboundOptions.Section}:AllowedNetworks entry with a prefix length must be a CIDR network whose host bits are zero, e.g. 10.20.0.0/16")
            .ValidateOnStart();
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<OutboundPolicy>();
        services.AddHttpClient(HttpDelivery.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(services => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = services.GetRequiredService<IOptions<CoachingOptions>>().Value.MaxConnectionsPerEndpoint,
                ConnectCallback = services.GetRequiredService<OutboundPolicy>().ConnectAsync,
                AllowAutoRedirect = false,
                UseProxy = false,
            })
            .RemoveAllLoggers();
        services.AddSingleton<HttpDelivery>();
        services.AddSingleton<ICoachingChannel, WebhookChannel>();
        services.AddSingleton<ICoachingChannel, SlackChannel>();
        services.AddSingleton<ICoachingChannel, TeamsChannel>();
        services.AddSingleton<ICoachingChannel, EmailChannel>();
        services.AddSingleton<ChannelRegistry>();
        services.AddSingleton<CampaignValidator>();
        services.AddSingleton<CampaignSetCache>();
        services.AddSingleton<CoachingWorkflows>();
        // Shared with the ingest API when both run in one silo: one compiled mapping per tenant and silo.
        services.TryAddSingleton<UserDirectoryCache>();
        return services;
    }
}
