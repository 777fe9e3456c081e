using Orleans.Streams;

namespace SecurityCoach;

/// <summary>Names of the stream that carries normalized events from the API to the user grains.</summary>
public static class SecurityEventStreams
{
    /// <summary>The stream provider's name (in-process streams in Local, SQS streams in the AWS profiles).</summary>
    public const string ProviderName = "security-events";

    /// <summary>The stream namespace the user grains subscribe to implicitly.</summary>
    public const string Namespace = "security-events";

    /// <summary>One stream per user: the key is the user grain's key, so the implicit subscription lands there.</summary>
    public static StreamId ForUser(string tenantId, string userKey) => StreamId.Create(Namespace, GrainKeys.User(tenantId, userKey));

    /// <summary>
    /// Publishes each user's events as one <see cref="SecurityEventBatch"/> to that user's stream, all users at once;
    /// completes when the provider has taken every batch, and faults when it refused any (then a publish of the same
    /// events again is safe: user grains drop event ids they have seen). Ingest and the replay of unmapped events
    /// both publish through here.
    /// </summary>
    public static Task PublishAsync(IStreamProvider provider, string tenantId, Dictionary<string, List<SecurityEvent>> byUser, DateTimeOffset now)
    {
        if (byUser.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sends = new Task[byUser.Count];
        var i = 0;
        foreach (var (userKey, events) in byUser)
        {
            var stream = provider.GetStream<SecurityEventBatch>(ForUser(tenantId, userKey));
            sends[i++] = stream.OnNextAsync(new SecurityEventBatch([.. events], now.ToUnixTimeMilliseconds()));
        }

        return Task.WhenAll(sends);
    }
}

/// <summary>Grain keys. Every key starts with the tenant id, so no call can name another tenant's grain by accident.</summary>
public static class GrainKeys
{
    /// <summary>
    /// The longest user key, in UTF-8 bytes. It is part of the user's grain key, stream id and storage keys, and a
    /// DynamoDB key may be at most 2,048 bytes with the grain type and tenant in it too; a longer key is refused at
    /// ingest, since an event accepted for it could never be stored.
    /// </summary>
    public const int MaxUserKeyBytes = 1024;

    /// <summary>"{tenant}/{userKey}". Tenant ids never contain '/', so the first '/' splits the key.</summary>
    public static string User(string tenantId, string userKey) => string.Concat(tenantId, "/", userKey);

    /// <summary>"{tenant}/{coachingId}".</summary>
    public static string Coaching(string tenantId, string coachingId) => string.Concat(tenantId, "/", coachingId);

    /// <summary>Splits "{tenant}/{rest}" into its two parts.</summary>
    public static (string TenantId, string Id) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new ArgumentException($"Grain key '{key}' is not of the form '{{tenant}}/{{id}}'.", nameof(key));
        }

        return (key[..slash], key[(slash + 1)..]);
    }
}
