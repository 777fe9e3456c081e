using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Api;

/// <summary>
/// A record the normalizer refused. <paramref name="Index"/> is the top-level value (array position, or NDJSON /
/// text line counted from 0 without blank lines); <paramref name="Item"/> the path inside it when a pagination
/// envelope held the record (<c>records[3]</c>).
/// </summary>
public sealed record RejectedEvent(
    int Index,
    string Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Item = null);

/// <summary>
/// What an ingest request achieved: <paramref name="Accepted"/> events (their ids in <paramref name="EventIds"/>), of
/// which <paramref name="Unmapped"/> named no user the tenant's mapping resolves and were kept in its unmapped list.
/// </summary>
public sealed record IngestResponse(int Accepted, RejectedEvent[] Rejected, string[] EventIds, int Unmapped);

/// <summary>Dependencies of the ingest endpoint.</summary>
public sealed record IngestServices(
    IClusterClient Cluster,
    CallerResolver Callers,
    IOptions<ApiOptions> Options,
    TimeProvider Time,
    TenantRateLimiter RateLimiter,
    VendorTimeZones TimeZones,
    UserDirectoryCache Directories,
    IAuditLog Audit,
    ILogger<IngestServices> Logger);

/// <summary>
/// <c>POST /v1/ingest/{vendor}</c>: parse → normalize → resolve the user → publish, grouped by user, to the user's
/// stream. An identity with '@' is the user; any other goes through the tenant's mapping (<see cref="UserDirectory"/>,
/// read from the silo's cache: one version check per request, and only when some identity needs it), and events
/// it does not resolve go to the tenant's <see cref="IUnmappedEventsGrain"/> instead of a stream: accepted, kept, and
/// replayed when a mapping resolves them.
/// 202 means every accepted event is in the stream provider's queue or durably in the unmapped list; when either
/// refuses, the answer is 503 with Retry-After, and a retry of the whole request is safe because the user grains
/// and the unmapped list drop event ids they have seen. An accepted request is audited once as sent
/// (<see cref="AuditKinds.IngestRaw"/>) and once per event as normalized (<see cref="AuditKinds.IngestNormalized"/>:
/// id, user, time and a hash of the OCSF JSON, not the JSON itself, which embeds the raw record and would store
/// every payload twice).
/// </summary>
public static class IngestApi
{
    public const int RetryAfterSeconds = 5;

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/ingest/{vendor}", Ingest)
            .WithTags("Ingest")
            .WithName("Ingest")
            .WithSummary("Ingest vendor events: one JSON object, a JSON array of objects, NDJSON, or log lines for syslog/CSV vendors (tenant key).")
            .Accepts<JsonElement>(IngestBody.Json, IngestBody.Ndjson, "text/plain", "text/csv")
            .DisableAntiforgery();
        return app;
    }

    public static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> Ingest(
        HttpContext context, string vendor, [AsParameters] IngestServices services)
    {
        var (caller, problem) = await services.Callers.ResolveAsync(context);
        if (caller is null)
        {
            return problem!;
        }

        if (caller.TenantId is not { } tenantId)
        {
            return Problems.Forbidden("Ingestion needs a tenant key: events always belong to the key's tenant.");
        }

        if (!EventNormalizers.TryGet(vendor, out var normalizer))
        {
            return Problems.NotFound("unknown-vendor",
                $"Unknown vendor '{vendor}'. Known: {string.Join(", ", EventNormalizers.All.Select(n => n.Vendor))}.");
        }

        var mediaType = RequestBody.MediaType(context.Request);
        if (!IngestBody.Accepts(normalizer, mediaType))
        {
            return Problems.UnsupportedMediaType(normalizer is ILineNormalizer
                ? $"Send {normalizer.Vendor} logs as text/plain or text/csv (one log line per line), or as JSON strings."
                : "Send application/json (an object or an array of objects) or application/x-ndjson.");
        }

        var (body, bodyProblem) = await RequestBody.ReadAsync(context.Request, services.Options.Value.MaxIngestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return bodyProblem!;
        }

        using (body)
        {
            using var records = IngestBody.Parse(body.Memory, mediaType, normalizer, services.Options.Value.Ingest.Limits, out var parseError);
            if (records is null)
            {
                return parseError.Kind == BodyError.TooManyEvents
                    ? Problems.TooLarge(parseError.Kind, parseError.Detail)
                    : Problems.BadRequest(parseError.Kind, parseError.Detail);
            }

            var normalization = new NormalizationContext(tenantId, services.Time.GetUtcNow().ToUnixTimeMilliseconds())
            {
                TimeZone = services.TimeZones.For(normalizer.Vendor),
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

            // A batch in which nothing could be used is the client's error; a partly usable one is accepted so that
            // its good events are not lost for the bad ones.
            if (eventIds.Count == 0 && rejected.Count > 0)
            {
                return Problems.NoValidEvents([.. rejected]);
            }

            var admission = services.RateLimiter.TryAdmit(tenantId, eventIds.Count);
            if (!admission.Allowed)
            {
                if (admission.LargerThanBurst)
                {
                    return Problems.BatchLargerThanBurst(eventIds.Count, services.Options.Value.Ingest.RateLimit.Burst);
                }

                var seconds = Math.Max(1, (int)Math.Ceiling(admission.RetryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.RateLimited(tenantId, seconds);
            }

            var unmapped = toResolve is null ? null : await Resolve(services.Directories, tenantId, toResolve, byUser);
            if (!await Publish(services, tenantId, byUser) || !await KeepUnmapped(services, tenantId, unmapped))
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Unavailable("The event queue did not take the events; retry the whole request (events are de-duplicated by id).", RetryAfterSeconds);
            }

            if (services.Audit.Enabled)
            {
                Audit(services.Audit, tenantId, new RawAudit(normalizer.Vendor, mediaType, body.Memory, eventIds, rejected.Count), byUser, unmapped);
            }

            return TypedResults.Accepted((string?)null, new IngestResponse(eventIds.Count, [.. rejected], [.. eventIds], unmapped?.Count ?? 0));
        }
    }

    /// <summary>What <see cref="AuditKinds.IngestRaw"/> records of a request.</summary>
    private readonly record struct RawAudit(string Vendor, string MediaType, ReadOnlyMemory<byte> Payload, List<string> EventIds, int Rejected);

    private static void Audit(IAuditLog audit, string tenantId, RawAudit raw, Dictionary<string, List<SecurityEvent>> byUser,
        List<SecurityEvent>? unmapped)
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
    private static async Task<List<SecurityEvent>?> Resolve(UserDirectoryCache directories, string tenantId, List<SecurityEvent> events,
        Dictionary<string, List<SecurityEvent>> byUser)
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

    private static async Task<bool> KeepUnmapped(IngestServices services, string tenantId, List<SecurityEvent>? unmapped)
    {
        if (unmapped is null)
        {
            return true;
        }

        try
        {
            await services.Cluster.GetGrain<IUnmappedEventsGrain>(tenantId).Add([.. unmapped]);
            return true;
        }
        catch (Exception e)
        {
            services.Logger.LogError(e, "Keeping {Events} unmapped events of tenant {TenantId} failed", unmapped.Count, tenantId);
            return false;
        }
    }

    private static async Task<bool> Publish(IngestServices services, string tenantId, Dictionary<string, List<SecurityEvent>> byUser)
    {
        try
        {
            await SecurityEventStreams.PublishAsync(services.Cluster.GetStreamProvider(SecurityEventStreams.ProviderName), tenantId, byUser);
            return true;
        }
        catch (Exception e)
        {
            services.Logger.LogError(e, "Publishing {Users} user batches of tenant {TenantId} failed", byUser.Count, tenantId);
            return false;
        }
    }
}
