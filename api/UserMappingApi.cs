using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;

namespace SecurityCoach.Api;

public sealed record AliasBody(string? Identity, string? User);

/// <summary>The JSON form of a PUT: the whole alias table and the domain rule (absent or null: no rule).</summary>
public sealed record AliasTableRequest(AliasBody[]? Aliases, string? Domain);

public sealed record AliasResponse(string Identity, string User);

/// <summary>What a mapping change replayed from the unmapped list.</summary>
public sealed record ReplayResponse(int Events, int Identities);

public sealed record AliasTableResponse(
    long Version,
    string? Domain,
    AliasResponse[] Aliases,
    DateTimeOffset? UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ReplayResponse? Replayed = null)
{
    public static AliasTableResponse From(UserMapping mapping, ReplayResponse? replayed = null) =>
        new(mapping.Version, mapping.Domain, [.. mapping.Aliases.Select(a => new AliasResponse(a.Identity, a.User))], mapping.UpdatedAt, replayed);
}

/// <summary>A kept event: its id, its time and the normalized OCSF event as it will be published once mapped.</summary>
public sealed record UnmappedSampleResponse(string EventId, DateTimeOffset Time, [property: JsonConverter(typeof(RawJsonConverter))] byte[] Event);

public sealed record UnmappedIdentityResponse(
    string Vendor,
    string Identity,
    string Kind,
    long Count,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    int Kept,
    UnmappedSampleResponse[] Samples);

public sealed record UnmappedResponse(long Events, long NotKept, UnmappedIdentityResponse[] Identities)
{
    public static UnmappedResponse From(UnmappedView view) => new(
        view.Events,
        view.NotKept,
        [.. view.Identities.Select(i => new UnmappedIdentityResponse(i.Vendor, i.Identity, KindName(i.Kind), i.Count, i.FirstSeen, i.LastSeen, i.Kept,
            [.. i.Samples.Select(s => new UnmappedSampleResponse(s.EventId, s.Time, s.Json))]))]);

    private static string KindName(IdentityKind kind) => kind switch
    {
        IdentityKind.Host => "host",
        IdentityKind.Ip => "ip",
        _ => "account",
    };
}

/// <summary>
/// Writes bytes that are already JSON (a normalized event) as they are: no re-parse, and no depth limit below the
/// one the event was normalized under.
/// </summary>
public sealed class RawJsonConverter : JsonConverter<byte[]>
{
    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Raw JSON is only written.");

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value, skipInputValidation: true);
}

/// <summary>
/// User mapping: <c>/v1/tenants/{t}/aliases</c> (the alias table and the domain rule) and <c>/v1/tenants/{t}/unmapped</c>
/// (events whose identity nothing resolved yet). Changing the mapping replays the unmapped events it now resolves.
/// </summary>
public static class UserMappingApi
{
    /// <summary>An alias table of <see cref="UserMappingRules.MaxAliases"/> rows fits with room to spare.</summary>
    public const int AliasBodyLimit = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapUserMappingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapTenantGroup("").WithTags("User mapping");

        api.MapPut("/aliases", PutAliases)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("aliases.put")
            .WithName("PutAliases")
            .WithSummary("Replace the alias table (JSON with the domain rule, or CSV identity,user); replays the unmapped events it resolves.")
            .Accepts<AliasTableRequest>("application/json", "text/csv");

        api.MapGet("/aliases", GetAliases)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetAliases")
            .WithSummary("The alias table and the domain rule (Accept: text/csv for the table as CSV).");

        api.MapGet("/unmapped", GetUnmapped)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetUnmapped")
            .WithSummary("Events no mapping resolved yet: counts per vendor and identity, with the newest kept events as samples.");

        return app;
    }

    public static async Task<Results<Ok<AliasTableResponse>, ProblemHttpResult>> PutAliases(
        HttpContext context, string tenantId, [AsParameters] TenantServices services, ILoggerFactory loggers)
    {
        var tenant = services.Tenant(tenantId);

        var mediaType = RequestBody.MediaType(context.Request);
        if (mediaType is not ("application/json" or "text/csv"))
        {
            return Problems.UnsupportedMediaType(
                """Send application/json ({"aliases":[{"identity":"CORP\\jdoe","user":"jdoe@example.com"}],"domain":"example.com"}) or text/csv (header identity,user).""");
        }

        var (body, bodyProblem) = await RequestBody.ReadAsync(context.Request, AliasBodyLimit, context.RequestAborted);
        if (body is null)
        {
            return bodyProblem!;
        }

        UserMappingUpdate update;
        var errors = new List<FieldError>();
        using (body)
        {
            if (!Utf8.IsValid(body.Memory.Span))
            {
                return Problems.BadRequest("invalid-utf8", "The body is not valid UTF-8.");
            }

            if (mediaType == "text/csv")
            {
                var rows = AliasCsv.Parse(body.Memory.Span, errors);
                UserMappingRules.ValidateAliases([.. rows.Select(r => r.Alias)], (i, column) => $"line {rows[i].Line}.{column}", errors);
                update = new UserMappingUpdate([.. rows.Select(r => r.Alias)], SetsDomain: false, Domain: null);
            }
            else
            {
                var (request, jsonProblem) = RequestBody.ParseJson<AliasTableRequest>(body.Memory);
                if (request is null)
                {
                    return jsonProblem!;
                }

                if (request.Aliases is null)
                {
                    errors.Add(new FieldError("aliases", """is required: [{"identity": "CORP\\jdoe", "user": "jdoe@example.com"}], or [] for none"""));
                }

                var aliases = (request.Aliases ?? []).Select(a => new UserAlias(a?.Identity ?? "", a?.User ?? "")).ToArray();
                UserMappingRules.ValidateAliases(aliases, static (i, column) => $"aliases[{i}].{column}", errors);
                UserMappingRules.ValidateDomain(request.Domain?.Trim(), errors);
                update = new UserMappingUpdate(aliases, SetsDomain: true, Domain: request.Domain?.Trim());
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var result = await services.Grains.Reference<IUserMappingGrain>(tenantId).Put(update);
        if (result.Quota is { } quota)
        {
            return Problems.QuotaExceeded(quota);
        }

        if (result.Mapping is not { } mapping)
        {
            return Problems.Invalid(result.Errors);
        }

        try
        {
            var replay = await services.Grains.Reference<IUnmappedEventsGrain>(tenantId).Replay();
            return TypedResults.Ok(AliasTableResponse.From(mapping, new ReplayResponse(replay.Events, replay.Identities)));
        }
        catch (Exception e)
        {
            loggers.CreateLogger(typeof(UserMappingApi)).LogError(e, "Tenant {TenantId}: mapping v{Version} stored, but replaying its unmapped events failed", tenantId, mapping.Version);
            context.Response.Headers.RetryAfter = IngestApi.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Unavailable(
                $"The mapping is stored (version {mapping.Version}), but the unmapped events it resolves could not be replayed yet; they stay listed. " +
                "Repeat the PUT to replay them (the next unmapped event of the tenant replays them too).", IngestApi.RetryAfterSeconds);
        }
    }

    public static async Task<Results<Ok<AliasTableResponse>, ContentHttpResult, ProblemHttpResult>> GetAliases(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        var mapping = await services.Grains.Reference<IUserMappingGrain>(tenantId).Get();
        var wantsCsv = context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
        return wantsCsv
            ? TypedResults.Text(AliasCsv.Write(mapping.Aliases), "text/csv; charset=utf-8")
            : TypedResults.Ok(AliasTableResponse.From(mapping));
    }

    public static async Task<Results<Ok<UnmappedResponse>, ProblemHttpResult>> GetUnmapped(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        return TypedResults.Ok(UnmappedResponse.From(await services.Grains.Reference<IUnmappedEventsGrain>(tenantId).List()));
    }
}
