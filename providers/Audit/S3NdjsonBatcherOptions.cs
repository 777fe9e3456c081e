using Amazon.Runtime;

namespace SecurityCoach.Providers.Aws.Audit;

/// <summary>Where and when an <see cref="S3NdjsonBatcher"/> writes its NDJSON objects.</summary>
public sealed class S3NdjsonBatcherOptions
{
    /// <summary>The bucket the objects go to (required).</summary>
    public string BucketName { get; set; } = "";

    /// <summary>Prefix of every object key; keys are <c>{prefix}{partition}/{yyyy}/{MM}/{dd}/{HH}/{instance}-{seq}.ndjson</c>.</summary>
    public string KeyPrefix { get; set; } = "audit/";

    /// <summary>Endpoint override, e.g. fauxqs (<c>http://127.0.0.1:4566</c>); configuration key <c>AWS:S3:ServiceURL</c>.</summary>
    public string? ServiceURL { get; set; }

    /// <summary>AWS region; unset means the SDK's own lookup.</summary>
    public string? Region { get; set; }

    /// <summary>Credentials for a client built by the batcher; unset means the SDK's default credential chain.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>A partition's buffer is written as soon as it holds this many bytes. Default 1 MiB.</summary>
    public int FlushBytes { get; set; } = 1024 * 1024;

    /// <summary>Every buffer is written at least this often. Default 10 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes held in memory at most, written or waiting for a retry; past it the oldest batches are dropped (logged
    /// and counted in <c>securitycoach.audit.records.dropped</c>). Default 64 MiB.
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Names this writer in the object keys so that writers never overwrite each other; unset means the machine name
    /// and the start time, which also keeps a restarted process from reusing its earlier keys.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>Create the bucket at start-up when missing. Off: the bucket must exist.</summary>
    public bool CreateIfNotExists { get; set; }
}

/// <summary>Checks <see cref="S3NdjsonBatcherOptions"/> at start-up.</summary>
public sealed class S3NdjsonBatcherOptionsValidator(S3NdjsonBatcherOptions options) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var problems = new List<string>();
        if (options.BucketName is not { Length: >= 3 and <= 63 })
        {
            problems.Add("BucketName must be 3 to 63 characters");
        }

        if (options.FlushBytes < 1024)
        {
            problems.Add("FlushBytes must be at least 1024");
        }

        if (options.MaxBufferedBytes < options.FlushBytes)
        {
            problems.Add("MaxBufferedBytes must be at least FlushBytes");
        }

        if (options.FlushInterval <= TimeSpan.Zero)
        {
            problems.Add("FlushInterval must be positive");
        }

        if (options.ServiceURL is not null && !Uri.TryCreate(options.ServiceURL, UriKind.Absolute, out _))
        {
            problems.Add("ServiceURL must be an absolute URL");
        }

        if (problems.Count > 0)
        {
            throw new OrleansConfigurationException($"S3 NDJSON batcher: {string.Join("; ", problems)}.");
        }
    }
}
