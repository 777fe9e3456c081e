using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api;

/// <summary>How an ingest ended; each caller (the HTTP endpoint, a queue source) decides what it means to its sender.</summary>
public enum IngestStatus
{
    /// <summary>Every accepted event is published or kept as unmapped (also when the body held no record).</summary>
    Accepted,

    /// <summary>The body as a whole was refused (<see cref="IngestResult.BodyError"/>); nothing was published.</summary>
    BodyRefused,

    /// <summary>Every record was rejected (<see cref="IngestResult.Rejected"/>).</summary>
    NoValidEvents,

    /// <summary>More events than the tenant's burst: this body can never be admitted whole.</summary>
    LargerThanBurst,

    /// <summary>Over the tenant's rate; try again after <see cref="IngestResult.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>The stream provider or the unmapped list refused; the whole body may be sent again.</summary>
    Unavailable,

    /// <summary>
    /// The silo starts its work late (<see cref="ProcessingLag"/>), or the tenant has more coachings in progress than
    /// its receivers take (<see cref="CoachingsInProgress"/>): nothing was read or published; the whole body may be
    /// sent again after <see cref="IngestResult.RetryAfter"/> (<see cref="IngestResult.Reason"/> says which).
    /// </summary>
    Overloaded,
}

/// <summary>What <see cref="IngestPipeline.IngestAsync"/> did with a body.</summary>
public sealed record IngestResult(
    IngestStatus Status,
    IngestResponse? Response = null,
    BodyError BodyError = default,
    RejectedEvent[]? Rejected = null,
    int Events = 0,
    TimeSpan RetryAfter = default,
    string? Reason = null);

/// <summary>
/// A vendor body of a tenant → records → normalized events → users → published, grouped by user, to the users'
/// streams. An identity with '@' is the user; any other goes through the tenant's mapping (<see cref="UserDirectory"/>,
/// read from the silo's cache: one version check per body, and only when some identity needs it), and events it does
/// not resolve go to the tenant's <see cref="IUnmappedEventsGrain"/> instead of a stream: accepted, kept, and replayed
/// when a mapping resolves them. <see cref="IngestStatus.Accepted"/> means every accepted event is in the stream
/// provider's queue or durably in the unmapped list; sending the same body again is always safe, because the user
/// grains and the unmapped list drop event ids they have seen. An accepted body is audited once as sent
/// (<see cref="AuditKinds.IngestRaw"/>) and once per event as normalized (<see cref="AuditKinds.IngestNormalized"/>:
/// id, user, time and a hash of the OCSF JSON, not the JSON itself, which embeds the raw record and would store
/// every payload twice). The HTTP endpoint and the queue sources both ingest through here. Before anything is read,
/// a silo that is behind on its work or a tenant with too many coachings in progress is refused
/// (<see cref="IngestStatus.Overloaded"/>, README "Backpressure").
/// </summary>
public sealed partial class IngestPipeline(
    IClusterClient cluster,
    IOptions<ApiOptions> options,
    TimeProvider time,
    TenantRateLimiter rateLimiter,
    VendorTimeZones timeZones,
    UserDirectoryCache directories,
    ProcessingLag processingLag,
    CoachingsInProgress coachingsInProgress,
    IAuditLog audit,
    ILogger<IngestPipeline> logger)
{
    /// <summary>How long an overloaded silo asks senders to wait: a few of <see cref="ProcessingLag"/>'s windows.</summary>
    public static readonly TimeSpan OverloadedRetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>Ingest's meter; add it to OpenTelemetry with <c>AddMeter</c>, or watch it with dotnet-counters.</summary>
    public const string MeterName = "SecurityCoach.Api";

    /// <summary>Requests refused for backpressure (503 <c>overloaded</c>), tagged <c>reason</c> (<c>lag</c> or <c>coachings</c>) and <c>tenant</c>.</summary>
    public const string RefusedName = "securitycoach.ingest.refused";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(RefusedName, "{request}",
        "Ingest requests refused for backpressure (503 overloaded).");

    /// <summary>1 while ingest refuses for overload, so the log says when that starts and ends, not every refusal.</summary>
    private int _refusing;

    /// <summary>The tenants refused for their coachings in progress, so the log says when that starts and ends for each.</summary>
    private readonly ConcurrentDictionary<string, byte> _refusedTenants = new(StringComparer.Ordinal);

    /// <summary>The body limits of <c>SecurityCoach:MaxIngestBodyBytes</c> and <c>SecurityCoach:Ingest</c>.</summary>
    public long MaxBodyBytes => options.Value.MaxIngestBodyBytes;

    /// <summary>Records in one body (<c>SecurityCoach:Ingest:MaxEventsPerRequest</c>).</summary>
    public int MaxEvents => options.Value.Ingest.MaxEventsPerRequest;

    public async Task<IngestResult> IngestAsync(string tenantId, IEventNormalizer normalizer, ReadOnlyMemory<byte> body, string mediaType)
    {
        // Before any parsing: refusing must cost next to nothing, or refusals would keep the silo overloaded.
        if (Overloaded())
        {
            Refused.Add(1, new("reason", "lag"), new("tenant", tenantId));
            return new IngestResult(IngestStatus.Overloaded, RetryAfter: OverloadedRetryAfter,
                Reason: "The service is behind on the events it has accepted.");
        }

        if (TooManyCoachings(tenantId, out var inProgress))
        {
            Refused.Add(1, new("reason", "coachings"), new("tenant", tenantId));
            return new IngestResult(IngestStatus.Overloaded, RetryAfter: OverloadedRetryAfter,
                Reason: $"Tenant '{tenantId}' has {inProgress} coachings in progress, more than the {coachingsInProgress.Limit} allowed: its receivers are slower than its events.");
        }

        using var records = IngestBody.Parse(body, mediaType, normalizer, options.Value.Ingest.Limits, out var parseError);
        if (records is null)
        {
            return new IngestResult(IngestStatus.BodyRefused, BodyError: parseError);
        }

        var normalization = new NormalizationContext(tenantId, time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            TimeZone = timeZones.For(normalizer.Vendor),
        };
        var rejected = new List<RejectedEvent>();
        var eventIds = new List<string>();
        var byUser = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
        List<SecurityEvent>? toResolve = null;
        foreach (var outcome in records.Normalize(normalizer, normalization))
        {
            if (outcome.Event is not { } normalized)
            {
                rejected.Add(new RejectedEvent(outcome.Index, outcome.Error!, outcome.Item));
                continue;
            }

            eventIds.Add(normalized.EventId);
            if (UserDirectory.IsAddress(normalized.UserKey))
            {
                AddTo(byUser, normalized.UserKey, normalized);
            }
            else
            {
                (toResolve ??= []).Add(normalized);
            }
        }

        // A batch in which nothing could be used is the sender's error; a partly usable one is accepted so that its
        // good events are not lost for the bad ones.
        if (eventIds.Count == 0 && rejected.Count > 0)
        {
            return new IngestResult(IngestStatus.NoValidEvents, Rejected: [.. rejected]);
        }

        var admission = rateLimiter.TryAdmit(tenantId, eventIds.Count);
        if (!admission.Allowed)
        {
            return admission.LargerThanBurst
                ? new IngestResult(IngestStatus.LargerThanBurst, Events: eventIds.Count)
                : new IngestResult(IngestStatus.RateLimited, Events: eventIds.Count, RetryAfter: admission.RetryAfter);
        }

        var unmapped = toResolve is null ? null : await Resolve(tenantId, toResolve, byUser);
        if (!await Publish(tenantId, byUser) || !await KeepUnmapped(tenantId, unmapped))
        {
            return new IngestResult(IngestStatus.Unavailable, Events: eventIds.Count);
        }

        if (audit.Enabled)
        {
            Audit(tenantId, new RawAudit(normalizer.Vendor, mediaType, body, eventIds, rejected.Count), byUser, unmapped);
        }

        return new IngestResult(IngestStatus.Accepted, new IngestResponse(eventIds.Count, [.. rejected], [.. eventIds], unmapped?.Count ?? 0),
            Events: eventIds.Count);
    }

    /// <summary>What <see cref="AuditKinds.IngestRaw"/> records of a body.</summary>
    private readonly record struct RawAudit(string Vendor, string MediaType, ReadOnlyMemory<byte> Payload, List<string> EventIds, int Rejected);

    private void Audit(string tenantId, RawAudit raw, Dictionary<string, List<SecurityEvent>> byUser, List<SecurityEvent>? unmapped)
    {
        audit.Record(tenantId, AuditKinds.IngestRaw, raw, static (writer, r) =>
        {
            writer.WriteString("vendor", r.Vendor);
            writer.WriteString("content_type", r.MediaType);
            writer.WriteNumber("rejected", r.Rejected);
            writer.WriteStartArray("event_ids");
            foreach (var id in r.EventIds)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            // Valid UTF-8 (every JSON and nearly every log line) stays readable; anything else is kept byte for byte.
            if (System.Text.Unicode.Utf8.IsValid(r.Payload.Span))
            {
                writer.WriteString("payload", r.Payload.Span);
            }
            else
            {
                writer.WriteBase64String("payload_base64", r.Payload.Span);
            }
        });

        foreach (var events in byUser.Values)
        {
            foreach (var evt in events)
            {
                audit.Record(tenantId, AuditKinds.IngestNormalized, (evt, false), WriteNormalized);
            }
        }

        foreach (var evt in unmapped ?? [])
        {
            audit.Record(tenantId, AuditKinds.IngestNormalized, (evt, true), WriteNormalized);
        }
    }

    /// <summary>An <see cref="AuditKinds.IngestNormalized"/> line; an unmapped event's user is its identity, flagged so.</summary>
    private static readonly Action<Utf8JsonWriter, (SecurityEvent Event, bool Unmapped)> WriteNormalized = static (writer, a) =>
    {
        var e = a.Event;
        writer.WriteString("event_id", e.EventId);
        writer.WriteString("user", e.UserKey);
        if (a.Unmapped)
        {
            writer.WriteBoolean("unmapped", true);
        }

        writer.WriteString("vendor", e.Vendor);
        writer.WriteString("time", DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs));
        Span<byte> hash = stackalloc byte[System.Security.Cryptography.SHA256.HashSizeInBytes];
        System.Security.Cryptography.SHA256.HashData(e.Json, hash);
        Span<char> hex = stackalloc char[hash.Length * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        writer.WriteString("ocsf_sha256", hex);
    };

    private static void AddTo(Dictionary<string, List<SecurityEvent>> byUser, string userKey, SecurityEvent evt)
    {
        if (!byUser.TryGetValue(userKey, out var events))
        {
            byUser[userKey] = events = [];
        }

        events.Add(evt);
    }

    /// <summary>Adds the events whose identity the tenant's mapping resolves to their user's batch; returns the others (null when none).</summary>
    private async Task<List<SecurityEvent>?> Resolve(string tenantId, List<SecurityEvent> events, Dictionary<string, List<SecurityEvent>> byUser)
    {
        var directory = await directories.GetAsync(tenantId);
        List<SecurityEvent>? unmapped = null;
        foreach (var evt in events)
        {
            if (directory.Resolve(evt.UserKey, evt.IdentityKind) is { } user)
            {
                AddTo(byUser, user, evt.AssignUser(user));
            }
            else
            {
                (unmapped ??= []).Add(evt);
            }
        }

        return unmapped;
    }

    private async Task<bool> KeepUnmapped(string tenantId, List<SecurityEvent>? unmapped)
    {
        if (unmapped is null)
        {
            return true;
        }

        try
        {
            await cluster.Reference<IUnmappedEventsGrain>(tenantId).Add([.. unmapped]);
            return true;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Keeping {Events} unmapped events of tenant {TenantId} failed", unmapped.Count, tenantId);
            return false;
        }
    }

    private bool Overloaded()
    {
        var behind = processingLag.IsBehind(out var late, out var started);
        if (Interlocked.Exchange(ref _refusing, behind ? 1 : 0) != (behind ? 1 : 0))
        {
            if (behind)
            {
                LogRefusing(late, started, processingLag.MaxLag);
            }
            else
            {
                LogAcceptingAgain();
            }
        }

        return behind;
    }

    private bool TooManyCoachings(string tenantId, out int inProgress)
    {
        if (coachingsInProgress.IsOverLimit(tenantId, out inProgress))
        {
            if (_refusedTenants.TryAdd(tenantId, 0))
            {
                LogRefusingTenant(tenantId, inProgress, coachingsInProgress.Limit);
            }

            return true;
        }

        if (!_refusedTenants.IsEmpty && _refusedTenants.TryRemove(tenantId, out _))
        {
            LogAcceptingTenantAgain(tenantId, inProgress);
        }

        return false;
    }

    private async Task<bool> Publish(string tenantId, Dictionary<string, List<SecurityEvent>> byUser)
    {
        try
        {
            await SecurityEventStreams.PublishAsync(cluster.GetStreamProvider(SecurityEventStreams.ProviderName), tenantId, byUser, time.GetUtcNow());
            return true;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Publishing {Users} user batches of tenant {TenantId} failed", byUser.Count, tenantId);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest refuses events (503): {Late} of the {Started} user batches and coaching runs started in the last second started more than {MaxLag} late")]
    private partial void LogRefusing(int late, int started, TimeSpan maxLag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest accepts events again: the silo caught up with its work")]
    private partial void LogAcceptingAgain();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest refuses tenant {TenantId} (503): {InProgress} coachings in progress on this silo, more than {Limit}; its receivers are slower than its events")]
    private partial void LogRefusingTenant(string tenantId, int inProgress, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingest accepts tenant {TenantId} again: {InProgress} coachings in progress")]
    private partial void LogAcceptingTenantAgain(string tenantId, int inProgress);
}
