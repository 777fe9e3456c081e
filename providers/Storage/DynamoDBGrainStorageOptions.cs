using Orleans.Storage;
using SecurityCoach.Providers.Aws.Hosting;

namespace SecurityCoach.Providers.Aws.Storage;

/// <summary>Options of one named DynamoDB grain storage.</summary>
public sealed class DynamoDBGrainStorageOptions : DynamoDBProviderOptions, IStorageProviderSerializerOptions
{
    /// <summary>DynamoDB's hard item size limit (names and values together).</summary>
    public const int DynamoDBItemLimitBytes = 400 * 1024;

    public override string TableName { get; set; } = "OrleansGrainState";

    /// <summary>Prefix of every key; unset means <c>ClusterOptions.ServiceId</c>, so two services can share a table.</summary>
    public string? ServiceId { get; set; }

    /// <summary>Set from the keyed or global <see cref="IGrainStorageSerializer"/> unless given here.</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>
    /// Serialized states larger than this go to S3 (claim check: the item keeps the object key). The default leaves
    /// room under DynamoDB's 400 KB item limit for the keys (grain ids can be long) and attribute names.
    /// </summary>
    public int MaxInlineStateBytes { get; set; } = 350 * 1024;

    /// <summary>Bucket for states over <see cref="MaxInlineStateBytes"/>; unset means such a write fails with a clear error.</summary>
    public string? S3BucketName { get; set; }

    /// <summary>Prefix of the S3 object keys.</summary>
    public string S3KeyPrefix { get; set; } = "grain-state/";

    /// <summary>S3 endpoint override, e.g. fauxqs (<c>http://127.0.0.1:4566</c>); configuration key <c>AWS:S3:ServiceURL</c>.</summary>
    public string? S3ServiceURL { get; set; }

    /// <summary>
    /// When a written state may be deleted, or null to keep it: written as the item's <see cref="TimeToLiveAttribute"/>
    /// (epoch seconds), which DynamoDB's time to live deletes within a few days after. With <c>CreateIfNotExists</c>
    /// the table's time to live is turned on for that attribute; otherwise the table must have it (deploy/ecs does).
    /// </summary>
    public Func<object?, DateTimeOffset?>? ExpiresAt { get; set; }

    public const string TimeToLiveAttribute = "ExpiresAt";

    /// <summary>Silo lifecycle stage at which the table (and bucket) are checked or created.</summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;
}

/// <summary>Fails silo start-up on options that cannot work.</summary>
public sealed class DynamoDBGrainStorageOptionsValidator(DynamoDBGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TableName) || options.TableName.Length is < 3 or > 255)
        {
            problems.Add("TableName must be 3 to 255 characters");
        }

        if (options.MaxInlineStateBytes is <= 0 or > DynamoDBGrainStorageOptions.DynamoDBItemLimitBytes - (10 * 1024))
        {
            problems.Add($"MaxInlineStateBytes must be between 1 and {DynamoDBGrainStorageOptions.DynamoDBItemLimitBytes - (10 * 1024)} (DynamoDB items are at most 400 KB, keys included)");
        }

        if (options.S3BucketName is { Length: < 3 or > 63 })
        {
            problems.Add("S3BucketName must be 3 to 63 characters");
        }

        if (options.ServiceURL is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            problems.Add("ServiceURL must be an absolute URL");
        }

        if (options.GrainStorageSerializer is null)
        {
            problems.Add("GrainStorageSerializer is not set (no IGrainStorageSerializer registered)");
        }

        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"DynamoDB grain storage '{name}': {string.Join("; ", problems)}.");
        }
    }
}
