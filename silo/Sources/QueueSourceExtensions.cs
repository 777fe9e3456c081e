using Microsoft.Extensions.Options;

namespace SecurityCoach.Silo.Sources;

/// <summary>Registers the queue sources of <c>SecurityCoach:Ingest:Sources</c>.</summary>
public static class QueueSourceExtensions
{
    /// <summary>Settings are checked at start-up in every profile; the reader runs only when a source is configured.</summary>
    public static IServiceCollection AddQueueSources(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(QueueSourcesOptions.Section);
        services.AddOptions<QueueSourcesOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueSourcesOptions>, QueueSourcesOptionsValidator>();
        if (section.GetSection(nameof(QueueSourcesOptions.Sources)).GetChildren().Any())
        {
            services.AddHostedService<QueueSourceService>();
        }

        return services;
    }
}
