using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SecurityCoach.Campaigns;
using SecurityCoach.Coaching;
using SecurityCoach.Notifications;
using SecurityCoach.Risk;

namespace SecurityCoach;

/// <summary>Registers what the grains need: options, channels, the campaign cache, a clock.</summary>
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
            .Validate(o => o.RetryInitialDelay > TimeSpan.Zero && o.ChannelTimeout > TimeSpan.Zero,
                $"{CoachingOptions.Section}:RetryInitialDelay and ChannelTimeout must be positive")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(WebhookChannel.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        services.AddSingleton<ICoachingChannel, WebhookChannel>();
        services.AddSingleton<ChannelRegistry>();
        services.AddSingleton<CampaignValidator>();
        services.AddSingleton<CampaignSetCache>();
        return services;
    }
}
