namespace SecurityCoach;

/// <summary>A change refused because the tenant holds its quota of something (<see cref="Quota"/>: <c>campaigns</c>, <c>workflows</c>, <c>apiKeys</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record QuotaExceeded([property: Id(0)] string Quota, [property: Id(1)] int Limit);
