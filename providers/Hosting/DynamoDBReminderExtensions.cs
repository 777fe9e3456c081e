using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SecurityCoach.Providers.Aws.Reminders;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Registers the DynamoDB reminder table.</summary>
public static class DynamoDBReminderExtensions
{
    /// <summary>Reminders are kept in DynamoDB.</summary>
    public static ISiloBuilder UseDynamoDBReminderService(this ISiloBuilder builder, Action<DynamoDBReminderOptions> configure) =>
        builder.ConfigureServices(services => services.UseDynamoDBReminderService(options => options.Configure(configure)));

    /// <summary>Reminders are kept in DynamoDB, options given through an options builder.</summary>
    public static IServiceCollection UseDynamoDBReminderService(this IServiceCollection services, Action<OptionsBuilder<DynamoDBReminderOptions>> configureOptions)
    {
        services.AddReminders();
        configureOptions(services.AddOptions<DynamoDBReminderOptions>());
        services.AddTransient<IConfigurationValidator>(sp => new DynamoDBReminderOptionsValidator(sp.GetRequiredService<IOptions<DynamoDBReminderOptions>>().Value));
        return services.AddSingleton<IReminderTable, DynamoDBReminderTable>();
    }
}
