using Amazon.Runtime;

namespace SecurityCoach.Providers.Aws.Hosting;

/// <summary>Where a DynamoDB-backed provider finds its table, and whether it may create it.</summary>
public abstract class DynamoDBProviderOptions
{
    /// <summary>Endpoint override, e.g. DynamoDB Local (<c>http://127.0.0.1:8000</c>); configuration key <c>AWS:DynamoDB:ServiceURL</c>.</summary>
    public string? ServiceURL { get; set; }

    /// <summary>AWS region (e.g. <c>eu-west-1</c>); unset means the SDK's own lookup (environment, profile, instance metadata).</summary>
    public string? Region { get; set; }

    /// <summary>Credentials for a client built by the provider; unset means the SDK's default credential chain.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>Table name; every table of these providers has the key schema PK (S, hash) + SK (S, range).</summary>
    public abstract string TableName { get; set; }

    /// <summary>Create the table (on-demand billing) at start-up when missing. Off: the table is only verified.</summary>
    public bool CreateIfNotExists { get; set; }
}
