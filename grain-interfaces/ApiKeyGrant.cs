namespace SecurityCoach;

/// <summary>What a tenant key that authenticated may do: its id (for the audit log) and its scopes (<see cref="ApiKeyScopes"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record ApiKeyGrant([property: Id(0)] string KeyId, [property: Id(1)] string[] Scopes);
