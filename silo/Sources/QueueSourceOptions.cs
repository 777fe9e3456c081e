using Microsoft.Extensions.Options;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Silo.Sources;

/// <summary>The queue sources (section <c>SecurityCoach:Ingest</c>, list <c>Sources</c>).</summary>
public sealed class QueueSourcesOptions
{
    public const string Section = "SecurityCoach:Ingest";

    public List<QueueSourceOptions> Sources { get; } = [];
}

/// <summary>
/// One SQS queue a vendor (or S3, for a bucket the vendor writes to) drops events into, read for one tenant and
/// parsed by one vendor's normalizer, exactly as <c>POST /v1/ingest/{vendor}</c> would parse the same body.
/// </summary>
public sealed class QueueSourceOptions
{
    /// <summary>Each message body is a vendor payload (JSON object, array, NDJSON, or log lines for a line vendor).</summary>
    public const string Messages = "messages";

    /// <summary>Each message body is an S3 event notification (also wrapped by SNS); the objects it names are the payloads.</summary>
    public const string S3Notifications = "s3-notifications";

    public string? QueueUrl { get; set; }

    /// <summary>A vendor route name of <c>/v1/ingest/{vendor}</c> (<c>crowdstrike</c>, <c>netskope</c>, …).</summary>
    public string? Vendor { get; set; }

    /// <summary>The tenant every event of this queue belongs to; it must exist (else the messages wait in the queue).</summary>
    public string? TenantId { get; set; }

    public string Kind { get; set; } = Messages;

    /// <summary>Concurrent long-polling receivers on this queue (1–10).</summary>
    public int Receivers { get; set; } = 2;

    /// <summary>Long-poll wait of one receive (1–20 s: SQS's limit, and never a busy loop on an empty queue).</summary>
    public int WaitTimeSeconds { get; set; } = 20;

    /// <summary>Visibility timeout asked for on each receive (0–43200 s); null: the queue's own.</summary>
    public int? VisibilityTimeoutSeconds { get; set; }

    /// <summary>
    /// A message that can never be ingested (malformed, every record rejected, its S3 object missing or too large) is
    /// left for redelivery until it has been received this many times, then logged and deleted, so it cannot hold a
    /// receiver forever. Set it above the queue's redrive <c>maxReceiveCount</c> to let SQS move such messages to a
    /// dead-letter queue instead.
    /// </summary>
    public int MaxReceiveCount { get; set; } = 5;

    /// <summary>
    /// The largest S3 object read (after gunzip): line-based objects (NDJSON, log lines) larger than one ingest body
    /// are ingested in chunks of whole lines, each within the ingest body and record limits. Default 128 MiB.
    /// </summary>
    public long MaxObjectBytes { get; set; } = 128L * 1024 * 1024;
}

/// <summary>Refuses start-up naming every wrong setting of every source.</summary>
public sealed class QueueSourcesOptionsValidator : IValidateOptions<QueueSourcesOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueSourcesOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Sources.Count; i++)
        {
            var source = options.Sources[i];
            var at = $"{QueueSourcesOptions.Section}:Sources:{i}";
            if (!Uri.TryCreate(source.QueueUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
            {
                errors.Add($"{at}:QueueUrl must be the queue's URL (https://sqs.{{region}}.amazonaws.com/{{account}}/{{name}}), not '{source.QueueUrl}'");
            }

            if (string.IsNullOrEmpty(source.Vendor) || !EventNormalizers.TryGet(source.Vendor, out _))
            {
                errors.Add($"{at}:Vendor '{source.Vendor}' is not a vendor; use one of {string.Join(", ", EventNormalizers.All.Select(n => n.Vendor))}");
            }

            if (!Identifiers.IsValidTenantId(source.TenantId))
            {
                errors.Add($"{at}:TenantId '{source.TenantId}' is not a tenant id (3-64 of a-z, 0-9 and '-')");
            }

            if (source.Kind is not (QueueSourceOptions.Messages or QueueSourceOptions.S3Notifications))
            {
                errors.Add($"{at}:Kind '{source.Kind}' must be '{QueueSourceOptions.Messages}' or '{QueueSourceOptions.S3Notifications}'");
            }

            if (source.Receivers is < 1 or > 10)
            {
                errors.Add($"{at}:Receivers must be between 1 and 10");
            }

            if (source.WaitTimeSeconds is < 1 or > 20)
            {
                errors.Add($"{at}:WaitTimeSeconds must be between 1 and 20");
            }

            if (source.VisibilityTimeoutSeconds is < 0 or > 43_200)
            {
                errors.Add($"{at}:VisibilityTimeoutSeconds must be between 0 and 43200");
            }

            if (source.MaxObjectBytes is < 1 or > int.MaxValue)
            {
                errors.Add($"{at}:MaxObjectBytes must be between 1 and {int.MaxValue}");
            }

            if (source.MaxReceiveCount < 1)
            {
                errors.Add($"{at}:MaxReceiveCount must be at least 1");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
