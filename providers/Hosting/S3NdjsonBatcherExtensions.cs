using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecurityCoach.Providers.Aws.Audit;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Registers the <see cref="S3NdjsonBatcher"/> of an application.</summary>
public static class S3NdjsonBatcherExtensions
{
    /// <summary>
    /// Adds one <see cref="S3NdjsonBatcher"/> as a singleton and a hosted service: it creates the bucket (when asked)
    /// on start and writes what it holds on stop. Register it before Orleans so that it stops after the silo, when
    /// grains deactivating have written their last lines.
    /// </summary>
    public static IServiceCollection AddS3NdjsonBatcher(this IServiceCollection services, Action<S3NdjsonBatcherOptions> configure)
    {
        var options = new S3NdjsonBatcherOptions();
        configure(options);
        services.AddSingleton<IConfigurationValidator>(new S3NdjsonBatcherOptionsValidator(options));
        services.AddSingleton(sp => new S3NdjsonBatcher(options, sp, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<S3NdjsonBatcher>>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<S3NdjsonBatcher>());
        return services;
    }
}
