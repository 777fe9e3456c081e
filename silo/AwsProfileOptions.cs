namespace SecurityCoach.Silo;

/// <summary>
/// Settings of the AwsLocal and Aws profiles (section <c>SecurityCoach:Aws</c>; env <c>SecurityCoach__Aws__…</c>). The
/// endpoints and region follow the AWS SDK's own conventions: <c>AWS:Region</c>, and in AwsLocal
/// <c>AWS:DynamoDB:ServiceURL</c>, <c>AWS:SQS:ServiceURL</c>, <c>AWS:S3:ServiceURL</c> (what deploy/local/start prints).
/// deploy/ecs/securitycoach.template.json sets every one of these for the Aws profile.
/// </summary>
public sealed class AwsProfileOptions
{
    public const string Section = "SecurityCoach:Aws";

    /// <summary>The Orleans cluster id: silos with the same id and tables form one cluster.</summary>
    public string ClusterId { get; set; } = "securitycoach";

    public string GrainStateTable { get; set; } = "SecurityCoachGrainState";

    public string SilosTable { get; set; } = "SecurityCoachSilos";

    public string RemindersTable { get; set; } = "SecurityCoachReminders";

    /// <summary>Event queues are <c>{prefix}-0</c> … <c>{prefix}-{QueueCount-1}</c>, each with a <c>-dlq</c> dead-letter queue.</summary>
    public string QueueNamePrefix { get; set; } = "securitycoach-events";

    public int QueueCount { get; set; } = 8;

    /// <summary>Deliveries of one queue message before SQS moves it to the dead-letter queue.</summary>
    public int MaxReceiveCount { get; set; } = 5;

    /// <summary>
    /// The bucket for grain states over DynamoDB's item limit, stream batches over SQS's message limit, and the audit
    /// trail (under <see cref="AuditKeyPrefix"/>).
    /// </summary>
    public string Bucket { get; set; } = "securitycoach";

    /// <summary>Prefix of the audit objects: <c>{prefix}{tenant}/{yyyy}/{MM}/{dd}/{HH}/{instance}-{seq}.ndjson</c>.</summary>
    public string AuditKeyPrefix { get; set; } = "audit/";

    /// <summary>How often the audit trail is written at the latest (it is also written per 1 MiB of a tenant and on shutdown).</summary>
    public TimeSpan AuditFlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Create the tables, queues and bucket at start-up (AwsLocal's default); otherwise only verify them.</summary>
    public bool? CreateIfNotExists { get; set; }
}
