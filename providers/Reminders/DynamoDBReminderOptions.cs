using SecurityCoach.Providers.Aws.Hosting;

namespace SecurityCoach.Providers.Aws.Reminders;

/// <summary>Options of the DynamoDB reminder table.</summary>
public sealed class DynamoDBReminderOptions : DynamoDBProviderOptions
{
    public override string TableName { get; set; } = "OrleansReminders";

    /// <summary>Prefix of every partition key; unset means <c>ClusterOptions.ServiceId</c>.</summary>
    public string? ServiceId { get; set; }
}

/// <summary>Fails start-up on options that cannot work.</summary>
public sealed class DynamoDBReminderOptionsValidator(DynamoDBReminderOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.TableName) || options.TableName.Length is < 3 or > 255)
        {
            throw new OrleansConfigurationException("DynamoDB reminders: TableName must be 3 to 255 characters.");
        }

        if (options.ServiceURL is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new OrleansConfigurationException("DynamoDB reminders: ServiceURL must be an absolute URL.");
        }
    }
}
