using SecurityCoach.Providers.Aws.Hosting;

namespace SecurityCoach.Providers.Aws.Clustering;

/// <summary>Options of the DynamoDB membership table (silos) and gateway list (clients).</summary>
public sealed class DynamoDBClusteringOptions : DynamoDBProviderOptions
{
    public override string TableName { get; set; } = "OrleansSilos";

    /// <summary>How many times ReadAll re-reads when a membership change lands while it reads.</summary>
    public int MaxReadAllAttempts { get; set; } = 10;
}

/// <summary>Fails start-up on options that cannot work.</summary>
public sealed class DynamoDBClusteringOptionsValidator(DynamoDBClusteringOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.TableName) || options.TableName.Length is < 3 or > 255)
        {
            throw new OrleansConfigurationException("DynamoDB clustering: TableName must be 3 to 255 characters.");
        }

        if (options.MaxReadAllAttempts < 1)
        {
            throw new OrleansConfigurationException("DynamoDB clustering: MaxReadAllAttempts must be at least 1.");
        }

        if (options.ServiceURL is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new OrleansConfigurationException("DynamoDB clustering: ServiceURL must be an absolute URL.");
        }
    }
}
