namespace SecurityCoach;

/// <summary>
/// One administrative action on a tenant: which key (<see cref="KeyId"/>: a tenant key's id, or <c>admin:…</c> for an
/// admin key) did <see cref="Action"/> (<c>campaign.put</c>, <c>key.revoke</c>, …) to <see cref="Target"/> (the
/// campaign id, key id, workflow name, user key …) and when. <see cref="Sequence"/> orders a tenant's entries (a cursor).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AdminAuditEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string KeyId,
    [property: Id(3)] string Action,
    [property: Id(4)] string? Target,
    [property: Id(5)] string? RequestId);
