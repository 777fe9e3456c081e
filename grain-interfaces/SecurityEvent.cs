namespace SecurityCoach;

/// <summary>
/// One normalized security event. <see cref="Json"/> is the OCSF-shaped event as UTF-8 JSON (snake_case names,
/// including <c>tenant_id</c> and <c>user_key</c>); campaign patterns match that JSON. The other members repeat
/// what the pipeline needs without parsing it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SecurityEvent(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string UserKey,
    [property: Id(2)] string EventId,
    [property: Id(3)] long TimeMs,
    [property: Id(4)] string Vendor,
    [property: Id(5)] byte[] Json)
{
    /// <summary>
    /// What <see cref="UserKey"/> names: an account (e-mail, UPN, user name, <c>DOMAIN\user</c>, SID) or, for an event
    /// that names no account, a device. Only an account name may be completed by the tenant's domain rule.
    /// </summary>
    [Id(6)]
    public IdentityKind IdentityKind { get; init; }

    /// <summary>The deepest vendor JSON the ingest API accepts (its configurable limit may not exceed this).</summary>
    public const int MaxVendorJsonDepth = 100;

    /// <summary>
    /// The nesting a normalized event may reach: vendor JSON of <see cref="MaxVendorJsonDepth"/> plus the few levels
    /// normalization wraps it in (<c>unmapped.field</c>). Whoever parses <see cref="Json"/> must allow this much.
    /// </summary>
    public const int MaxJsonDepth = MaxVendorJsonDepth + 8;
}

/// <summary>
/// The events of one ingest request for one user, published as one stream item so that the user grain scores
/// them in one turn and persists them with one write. <paramref name="PublishedAtMs"/> (Unix ms; 0 when unknown)
/// tells the user grain how long the batch waited in the stream (<see cref="ProcessingLag"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SecurityEventBatch([property: Id(0)] SecurityEvent[] Events, [property: Id(1)] long PublishedAtMs = 0);
