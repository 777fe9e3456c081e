using Orleans.Concurrency;

namespace SecurityCoach;

/// <summary>What an event's identity names.</summary>
public enum IdentityKind
{
    /// <summary>An account: e-mail address, UPN, user name, <c>DOMAIN\user</c>, SAM account name or SID.</summary>
    Account,

    /// <summary>A device's host name, for an event that names no account.</summary>
    Host,

    /// <summary>A device's IP address, for an event that names no account and no host.</summary>
    Ip,
}

/// <summary>One row of a tenant's alias table: events naming <see cref="Identity"/> belong to <see cref="User"/> (an e-mail address).</summary>
[GenerateSerializer, Immutable]
public sealed record UserAlias([property: Id(0)] string Identity, [property: Id(1)] string User);

/// <summary>
/// A tenant's user mapping at one version: the alias table and the domain rule (<c>jdoe</c> and <c>CORP\jdoe</c>
/// become <c>jdoe@{Domain}</c>). Version 0 is the empty mapping of a tenant that never set one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserMapping(
    [property: Id(0)] long Version,
    [property: Id(1)] UserAlias[] Aliases,
    [property: Id(2)] string? Domain,
    [property: Id(3)] DateTimeOffset? UpdatedAt)
{
    /// <summary>The mapping of a tenant that never set one.</summary>
    public static UserMapping Empty { get; } = new(0, [], null, null);
}

/// <summary>A replacement of the alias table; the domain rule is replaced too when <see cref="SetsDomain"/> (a CSV table cannot carry it).</summary>
[GenerateSerializer, Immutable]
public sealed record UserMappingUpdate(
    [property: Id(0)] UserAlias[] Aliases,
    [property: Id(1)] bool SetsDomain,
    [property: Id(2)] string? Domain);

/// <summary>The stored mapping, or the errors that kept the update from being stored.</summary>
[GenerateSerializer, Immutable]
public sealed record PutUserMappingResult([property: Id(0)] UserMapping? Mapping, [property: Id(1)] FieldError[] Errors, [property: Id(2)] QuotaExceeded? Quota = null);

/// <summary>
/// A tenant's user mapping (key: the tenant id). Ingest caches it per silo and asks only whether its version moved
/// (<see cref="GetIfChanged"/>), so an unchanged mapping costs one small call per request, none per event.
/// </summary>
public interface IUserMappingGrain : IGrainWithStringKey
{
    /// <summary>Validates (<see cref="UserMappingRules"/>) and stores the update as the next version; nothing changes on an error.</summary>
    Task<PutUserMappingResult> Put(UserMappingUpdate update);

    /// <summary>The current mapping (<see cref="UserMapping.Empty"/> when never set).</summary>
    [ReadOnly]
    ValueTask<UserMapping> Get();

    /// <summary>The current mapping, or null when its version is still <paramref name="knownVersion"/>.</summary>
    [ReadOnly]
    ValueTask<UserMapping?> GetIfChanged(long knownVersion);

    /// <summary>
    /// Erasure: removes every alias that maps to <paramref name="userKey"/> or whose identity is it (ignoring case), as
    /// the next version; returns the identities of the rows removed. Nothing removed: the version stays.
    /// </summary>
    Task<string[]> RemoveUser(string userKey);
}

/// <summary>One kept event of an unmapped identity, as listed.</summary>
[GenerateSerializer, Immutable]
public sealed record UnmappedSample(
    [property: Id(0)] string EventId,
    [property: Id(1)] DateTimeOffset Time,
    [property: Id(2)] byte[] Json);

/// <summary>The events of one vendor that named one identity no mapping resolved.</summary>
[GenerateSerializer, Immutable]
public sealed record UnmappedIdentityView(
    [property: Id(0)] string Vendor,
    [property: Id(1)] string Identity,
    [property: Id(2)] IdentityKind Kind,
    [property: Id(3)] long Count,
    [property: Id(4)] DateTimeOffset FirstSeen,
    [property: Id(5)] DateTimeOffset LastSeen,
    [property: Id(6)] int Kept,
    [property: Id(7)] UnmappedSample[] Samples);

/// <summary>A tenant's unmapped events: per vendor and identity, most events first.</summary>
[GenerateSerializer, Immutable]
public sealed record UnmappedView(
    [property: Id(0)] long Events,
    [property: Id(1)] long NotKept,
    [property: Id(2)] UnmappedIdentityView[] Identities);

/// <summary>What a replay published: events and the identities they belonged to, now removed from the list.</summary>
[GenerateSerializer, Immutable]
public sealed record ReplayResult([property: Id(0)] int Events, [property: Id(1)] int Identities);

/// <summary>
/// The events of a tenant (key: the tenant id) whose identity neither is an e-mail address nor resolves through the
/// tenant's <see cref="IUserMappingGrain"/>. They are accepted, counted and kept (bounded), and published to their
/// user's stream once a mapping resolves them.
/// </summary>
public interface IUnmappedEventsGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes events that did not resolve at ingest. Each is resolved again against the current mapping first (it may
    /// have changed since the request read it): those that resolve now are published, the others kept. Returns after
    /// both are durable.
    /// </summary>
    Task Add(SecurityEvent[] events);

    /// <summary>Publishes the kept events that the current mapping resolves and removes their identities from the list.</summary>
    Task<ReplayResult> Replay();

    /// <summary>The list: counts per vendor and identity, with the newest kept events as samples.</summary>
    [ReadOnly]
    ValueTask<UnmappedView> List();

    /// <summary>
    /// Erasure: removes the entries whose identity is <paramref name="userKey"/> or one of <paramref name="identities"/>
    /// (the user's former aliases), with their counts, and every kept event whose JSON names the user key in any
    /// string (ignoring case); returns after the change is written.
    /// </summary>
    Task ForgetUser(string userKey, string[] identities);
}
