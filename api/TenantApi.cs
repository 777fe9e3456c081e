using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;

namespace SecurityCoach.Api;

public sealed record CreateTenantRequest(string? TenantId, string? Name);

public sealed record CreateTenantResponse(string TenantId, string ApiKey);

public sealed record TipBody(string? Title, string? Body);

public sealed record ChannelBody(string? Type, string? Url, string? Secret, string? From, string? To, string[]? AllowedRecipientDomains = null);

public sealed record CampaignRequest(
    string? Name,
    JsonElement? Pattern,
    double? RiskWeight,
    TipBody? Tip,
    ChannelBody[]? Channels,
    string? DeliveryLimit,
    bool? TestMode,
    string? Workflow);

/// <summary>A channel as the API shows it: never with its secret.</summary>
public sealed record ChannelResponse(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? To,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? AllowedRecipientDomains)
{
    public static ChannelResponse Of(ChannelDefinition c) => new(c.Type, c.UrlShown ?? (c.Url.Length == 0 ? null : c.Url), c.From, c.To, c.AllowedRecipientDomains);
}

public sealed record CampaignResponse(
    string CampaignId,
    string Name,
    JsonElement Pattern,
    double RiskWeight,
    CoachingTip Tip,
    ChannelResponse[] Channels,
    string? DeliveryLimit,
    bool TestMode,
    string? Workflow,
    long Version,
    DateTimeOffset UpdatedAt)
{
    public static CampaignResponse From(StoredCampaign stored)
    {
        var d = stored.Definition;
        using var pattern = JsonDocument.Parse(d.Pattern);
        return new CampaignResponse(
            stored.CampaignId,
            d.Name,
            pattern.RootElement.Clone(),
            d.RiskWeight,
            d.Tip,
            [.. d.Channels.Select(ChannelResponse.Of)],
            d.DeliveryLimit is { } limit ? XmlConvert.ToString(limit) : null,
            d.TestMode,
            d.Workflow,
            stored.Version,
            stored.UpdatedAt);
    }
}

public sealed record CampaignListResponse(long Version, CampaignResponse[] Campaigns);

public sealed record CoachingSummaryResponse(string CoachingId, string CampaignId, string EventId, string Status, int Attempts, DateTimeOffset? DeliveredAt);

public sealed record UserResponse(string UserKey, double RiskScore, long EventCount, DateTimeOffset? LastEventAt, CoachingSummaryResponse[] Coachings, long CoachingsOverQuota);

public sealed record ApiKeyResponse(string KeyId, string Name, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResponse From(ApiKeyInfo info) => new(info.KeyId, info.Name, info.Scopes, info.CreatedAt, info.LastUsedAt);
}

/// <summary>A new key: the only time the key itself is shown.</summary>
public sealed record CreatedKeyResponse(string KeyId, string Name, string[] Scopes, DateTimeOffset CreatedAt, string ApiKey);

/// <summary>A page of the audit log, newest first; pass <see cref="Next"/> as <c>cursor</c> for the page after it.</summary>
public sealed record AuditPageResponse(AdminAuditEntry[] Entries, long? Next);

/// <summary>Quiet hours as a body: local times "HH:mm" and an IANA time zone.</summary>
public sealed record QuietHoursBody(string? Start, string? End, string? TimeZone)
{
    public QuietHours ToQuietHours() => new(Start ?? "", End ?? "", TimeZone ?? "");
}

public sealed record SettingsRequest(ChannelBody? AlertChannel, QuietHoursBody? QuietHours, RetentionBody? Retention);

/// <summary>How long the tenant's data is kept, as ISO-8601 durations (<c>P90D</c>); null: the operator's default.</summary>
public sealed record RetentionBody(string? EndedCoachings, string? AuditTrail);

public sealed record SettingsResponse(ChannelResponse? AlertChannel, QuietHours? QuietHours, RetentionBody Retention)
{
    public static SettingsResponse From(TenantSettings settings) =>
        new(settings.AlertChannel is { } c ? ChannelResponse.Of(c) : null, settings.QuietHours,
            new RetentionBody(
                settings.EndedCoachingRetention is { } keep ? System.Xml.XmlConvert.ToString(keep) : null,
                settings.AuditRetention is { } audit ? System.Xml.XmlConvert.ToString(audit) : null));
}

/// <summary>A user's own settings: a time zone and quiet hours, each null when the tenant's apply.</summary>
public sealed record PreferencesBody(string? TimeZone, QuietHoursBody? QuietHours);

public sealed record PreferencesResponse(string UserKey, string? TimeZone, QuietHours? QuietHours);

/// <summary>Dependencies of the tenant endpoints.</summary>
public sealed record TenantServices(IGrainFactory Grains)
{
    public ITenantGrain Tenant(string tenantId) => Grains.Reference<ITenantGrain>(tenantId);
}

/// <summary>A key to make: a name and its scopes (absent: all of <see cref="ApiKeyScopes"/>).</summary>
public sealed record CreateKeyRequest(string? Name, string[]? Scopes);

/// <summary>The operator's quotas for one tenant; a null member keeps the setting.</summary>
public sealed record QuotasRequest(int? Campaigns, int? Workflows, int? ApiKeys, int? CoachingsPerBatch, int? CoachingStartsPerMinute, int? AliasRows);

/// <summary>Tenants, their campaigns, settings, keys, quotas and users: <c>/v1/tenants</c>.</summary>
public static class TenantApi
{
    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/tenants").WithTags("Tenants").MapPost("/", CreateTenant)
            .RequireAuthorization(ApiPolicies.Operator)
            .WithName("CreateTenant")
            .WithSummary("Create a tenant (admin key); the answer holds the tenant's API key, shown only once.")
            .Accepts<CreateTenantRequest>("application/json");

        var api = app.MapTenantGroup("").WithTags("Tenants");

        api.MapPut("/campaigns/{campaignId}", PutCampaign)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("campaign.put", "campaignId")
            .WithName("PutCampaign")
            .WithSummary("Create or replace a coaching campaign (admin key or a tenant key with the admin scope).")
            .Accepts<CampaignRequest>("application/json");

        api.MapGet("/campaigns", ListCampaigns)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("ListCampaigns")
            .WithSummary("List the tenant's campaigns.");

        api.MapPut("/settings", PutSettings)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("settings.put")
            .WithName("PutSettings")
            .WithSummary("Set the tenant's settings: the alert channel that hears of failed coachings, and the users' default quiet hours.")
            .Accepts<SettingsRequest>("application/json");

        api.MapGet("/settings", GetSettings)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetSettings")
            .WithSummary("The tenant's settings (channel secrets are never returned).");

        api.MapPut("/quotas", PutQuotas)
            .RequireAuthorization(ApiPolicies.Operator)
            .Audited("quotas.put")
            .WithName("PutQuotas")
            .WithSummary("Set this tenant's quotas where they differ from the operator's settings (admin key only; null keeps the setting).")
            .Accepts<QuotasRequest>("application/json");

        api.MapGet("/quotas", GetQuotas)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetQuotas")
            .WithSummary("The quotas that apply to the tenant.");

        api.MapPost("/keys", CreateKey)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("key.create", static (_, result) => ((result as IValueHttpResult)?.Value as CreatedKeyResponse)?.KeyId)
            .WithName("CreateApiKey")
            .WithSummary("Add an API key with its scopes (ingest, read, admin; default all); the answer is the only time the key is shown.")
            .Accepts<CreateKeyRequest>("application/json");

        api.MapGet("/keys", ListKeys)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .WithName("ListApiKeys")
            .WithSummary("The tenant's live keys: id, name, scopes, created and last used (never the key).");

        api.MapDelete("/keys/{keyId}", RevokeKey)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("key.revoke", "keyId")
            .WithName("RevokeApiKey")
            .WithSummary("Revoke a key at once.");

        api.MapGet("/audit", GetAudit)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetAuditLog")
            .WithSummary("The tenant's administrative actions, newest first: which key changed which campaign, workflow, alias table, key or setting, and when.");

        api.MapGet("/users/{userKey}", GetUser)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetUser")
            .WithSummary("A user's risk score, event count and coachings.");

        // Audited by the handler, which names the user only by a pseudonym.
        api.MapDelete("/users/{userKey}", UserErasure.EraseUser)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .WithName("EraseUser")
            .WithSummary("Erase everything held about a user (GDPR/CCPA): risk, events seen, preferences, coachings and their traces, failure-list rows, aliases mapping to the user, unmapped events naming the user; 204 once cleared, also for an unknown user.");

        api.MapPut("/users/{userKey}/preferences", PutPreferences)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("preferences.put", "userKey")
            .WithName("PutUserPreferences")
            .WithSummary("Set a user's own time zone and quiet hours (null: the tenant's apply); a user need not have had an event yet.")
            .Accepts<PreferencesBody>("application/json");

        api.MapGet("/users/{userKey}/preferences", GetPreferences)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetUserPreferences")
            .WithSummary("A user's own time zone and quiet hours (both null when never set).");

        return app;
    }

    /// <summary>
    /// A group under <c>/v1/tenants/{tenantId}</c>{<paramref name="prefix"/>}: unknown tenants answer 404 before any
    /// handler runs. Each route states the policy it needs.
    /// </summary>
    public static RouteGroupBuilder MapTenantGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup("/v1/tenants/{tenantId}" + prefix).AddEndpointFilter<TenantExistsFilter>();

    public static async Task<Results<Created<CreateTenantResponse>, ProblemHttpResult>> CreateTenant(
        HttpContext context, [AsParameters] TenantServices services, TenantDirectoryCache directory)
    {
        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<CreateTenantRequest>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var errors = new List<FieldError>();
        if (!Identifiers.IsValidTenantId(request.TenantId))
        {
            errors.Add(new FieldError("tenantId", "must be 3–64 characters of a-z, 0-9 and '-'"));
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors.Add(new FieldError("name", "is required"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var tenantId = request.TenantId!;
        // Listed first: a tenant that exists is always in the directory authentication asks (ITenantDirectoryGrain).
        await services.Grains.Reference<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).Add(tenantId);
        directory.Known(tenantId);
        var apiKey = ApiKeys.NewTenantKey(tenantId);
        var created = await services.Tenant(tenantId).Create(request.Name!.Trim(), ApiKeys.Hash(apiKey));
        return created == TenantCreation.Created
            ? TypedResults.Created($"/v1/tenants/{tenantId}", new CreateTenantResponse(tenantId, apiKey))
            : Problems.Conflict("tenant-exists", $"Tenant '{tenantId}' already exists.");
    }

    public static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> PutCampaign(
        HttpContext context, string tenantId, string campaignId, [AsParameters] TenantServices services)
    {
        if (!Identifiers.IsValidCampaignId(campaignId))
        {
            return Problems.Invalid([new FieldError("campaignId", "must be 1–64 characters of a-z, 0-9, '-' and '_'")]);
        }

        // A tenant's own campaign under a catalog id would show as the system campaign being enabled.
        if (SystemCampaigns.IsSystemId(campaignId))
        {
            return Problems.Invalid([new FieldError("campaignId",
                $"ids starting with '{SystemCampaigns.IdPrefix}' are reserved for system campaigns; enable one with POST /v1/tenants/{tenantId}/system-campaigns/{{id}}/enable")]);
        }

        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<CampaignRequest>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var (definition, errors) = ToDefinition(request);
        if (definition is null)
        {
            return Problems.Invalid(errors);
        }

        return Answer(await services.Tenant(tenantId).PutCampaign(campaignId, definition));
    }

    /// <summary>The answer to a campaign write: the stored campaign, its validation errors, or the quota it would pass.</summary>
    internal static Results<Ok<CampaignResponse>, ProblemHttpResult> Answer(PutCampaignResult result) =>
        result switch
        {
            { Campaign: { } stored } => TypedResults.Ok(CampaignResponse.From(stored)),
            { Quota: { } quota } => Problems.QuotaExceeded(quota),
            _ => Problems.Invalid(result.Errors),
        };

    public static async Task<Ok<CampaignListResponse>> ListCampaigns(string tenantId, [AsParameters] TenantServices services)
    {
        var set = await services.Tenant(tenantId).GetCampaigns();
        return TypedResults.Ok(new CampaignListResponse(set.Version, [.. set.Campaigns.Select(CampaignResponse.From)]));
    }

    public static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> PutSettings(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<SettingsRequest>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var parseErrors = new List<FieldError>();
        var retention = ParseDuration(request.Retention?.EndedCoachings, "retention.endedCoachings", parseErrors);
        var auditRetention = ParseDuration(request.Retention?.AuditTrail, "retention.auditTrail", parseErrors);
        if (parseErrors.Count > 0)
        {
            return Problems.Invalid(parseErrors);
        }

        var settings = new TenantSettings(request.AlertChannel is { } c ? ToChannel(c) : null, request.QuietHours?.ToQuietHours(), retention, auditRetention);
        var errors = await services.Tenant(tenantId).PutSettings(settings);
        return errors.Length == 0 ? TypedResults.Ok(SettingsResponse.From(settings)) : Problems.Invalid(errors);
    }

    public static async Task<Ok<SettingsResponse>> GetSettings(string tenantId, [AsParameters] TenantServices services) =>
        TypedResults.Ok(SettingsResponse.From(await services.Tenant(tenantId).GetSettings()));

    public static async Task<Results<Ok<TenantQuotas>, ProblemHttpResult>> PutQuotas(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<QuotasRequest>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var tenant = services.Tenant(tenantId);
        var errors = await tenant.PutQuotas(new TenantQuotaOverrides(request.Campaigns, request.Workflows, request.ApiKeys,
            request.CoachingsPerBatch, request.CoachingStartsPerMinute, request.AliasRows));
        return errors.Length == 0 ? TypedResults.Ok(await tenant.GetQuotas()) : Problems.Invalid(errors);
    }

    public static async Task<Ok<TenantQuotas>> GetQuotas(string tenantId, [AsParameters] TenantServices services) =>
        TypedResults.Ok(await services.Tenant(tenantId).GetQuotas());

    public static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> CreateKey(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        // The body is optional: a key needs no more than a tenant.
        var name = "unnamed";
        string[] scopes = [.. ApiKeyScopes.All];
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var (request, bodyProblem) = await RequestBody.ReadJsonAsync<CreateKeyRequest>(context.Request, context.RequestAborted);
            if (request is null)
            {
                return bodyProblem!;
            }

            if (request.Name is { } given)
            {
                if (string.IsNullOrWhiteSpace(given) || given.Length > 100)
                {
                    return Problems.Invalid([new FieldError("name", "must be 1–100 characters")]);
                }

                name = given.Trim();
            }

            if (request.Scopes is { } asked)
            {
                scopes = asked;
            }
        }

        var apiKey = ApiKeys.NewTenantKey(tenantId);
        var result = await services.Tenant(tenantId).AddApiKey(name, ApiKeys.Hash(apiKey), scopes);
        return result switch
        {
            { Key: { } info } => TypedResults.Created($"/v1/tenants/{tenantId}/keys/{info.KeyId}",
                new CreatedKeyResponse(info.KeyId, info.Name, info.Scopes, info.CreatedAt, apiKey)),
            { Quota: { } quota } => Problems.QuotaExceeded(quota),
            _ => Problems.Invalid(result.Errors),
        };
    }

    public static async Task<Ok<ApiKeyResponse[]>> ListKeys(string tenantId, [AsParameters] TenantServices services) =>
        TypedResults.Ok((await services.Tenant(tenantId).GetApiKeys()).Select(ApiKeyResponse.From).ToArray());

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(string tenantId, string keyId, [AsParameters] TenantServices services) =>
        await services.Tenant(tenantId).RevokeApiKey(keyId)
            ? TypedResults.NoContent()
            : Problems.NotFound("key-not-found", $"Tenant '{tenantId}' has no live key '{keyId}'.");

    public static async Task<Results<Ok<AuditPageResponse>, ProblemHttpResult>> GetAudit(
        string tenantId, long? cursor, int? limit, [AsParameters] TenantServices services)
    {
        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid([new FieldError("limit", "must be between 1 and 1000 (default 100)")]);
        }

        var page = await services.Grains.Reference<ITenantAuditGrain>(tenantId).List(cursor, limit ?? 100);
        return TypedResults.Ok(new AuditPageResponse(page.Entries, page.Next));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(
        string tenantId, string userKey, [AsParameters] TenantServices services)
    {
        // User keys are stored lower-cased (emails are case-insensitive in practice), so any casing finds the user.
        var key = userKey.ToLowerInvariant();
        if (UserKeyProblem(key) is { } tooLong)
        {
            return tooLong;
        }

        var view = await services.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, key)).GetView();
        if (view is null)
        {
            return Problems.NotFound("user-not-found", $"No event has been seen for user '{key}' of tenant '{tenantId}'.");
        }

        return TypedResults.Ok(new UserResponse(
            view.UserKey,
            view.RiskScore,
            view.EventCount,
            view.LastEventAt,
            [.. view.Coachings.Select(c => new CoachingSummaryResponse(c.CoachingId, c.CampaignId, c.EventId, c.Status.ToString(), c.Attempts, c.DeliveredAt))],
            view.CoachingsOverQuota));
    }

    public static async Task<Results<Ok<PreferencesResponse>, ProblemHttpResult>> PutPreferences(
        HttpContext context, string tenantId, string userKey, [AsParameters] TenantServices services)
    {
        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<PreferencesBody>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var key = userKey.ToLowerInvariant();
        if (UserKeyProblem(key) is { } tooLong)
        {
            return tooLong;
        }

        var preferences = new UserPreferences(request.TimeZone, request.QuietHours?.ToQuietHours());
        var errors = await services.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, key)).SetPreferences(preferences);
        return errors.Length == 0
            ? TypedResults.Ok(new PreferencesResponse(key, preferences.TimeZone, preferences.QuietHours))
            : Problems.Invalid(errors);
    }

    public static async Task<Results<Ok<PreferencesResponse>, ProblemHttpResult>> GetPreferences(string tenantId, string userKey, [AsParameters] TenantServices services)
    {
        var key = userKey.ToLowerInvariant();
        if (UserKeyProblem(key) is { } tooLong)
        {
            return tooLong;
        }

        var preferences = await services.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, key)).GetPreferences();
        return TypedResults.Ok(new PreferencesResponse(key, preferences.TimeZone, preferences.QuietHours));
    }

    /// <summary>
    /// A user key longer than any user can have (ingest refuses it, and its state would not fit a storage key): 422
    /// naming <c>userKey</c>, before any grain is asked about it.
    /// </summary>
    internal static ProblemHttpResult? UserKeyProblem(string key) =>
        System.Text.Encoding.UTF8.GetByteCount(key) is var bytes and > GrainKeys.MaxUserKeyBytes
            ? Problems.Invalid([new FieldError("userKey", $"is {bytes} bytes in UTF-8; a user key may have at most {GrainKeys.MaxUserKeyBytes}")])
            : null;

    internal static ChannelDefinition ToChannel(ChannelBody? c) => new(c?.Type ?? "", c?.Url ?? "", c?.Secret ?? "", c?.From, c?.To, AllowedRecipientDomains: c?.AllowedRecipientDomains);

    /// <summary>An ISO-8601 duration (<c>PT1H</c>), or null when absent; a malformed one adds an error.</summary>
    internal static TimeSpan? ParseDeliveryLimit(string? text, List<FieldError> errors) => ParseDuration(text, "deliveryLimit", errors);

    private static TimeSpan? ParseDuration(string? text, string field, List<FieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            errors.Add(new FieldError(field, $"'{text}' is not an ISO-8601 duration such as PT1H or P1D"));
            return null;
        }
    }

    /// <summary>The definition, or the fields that are missing or malformed (semantic checks are the grain's).</summary>
    private static (CampaignDefinition? Definition, List<FieldError> Errors) ToDefinition(CampaignRequest request)
    {
        var errors = new List<FieldError>();
        if (request.Pattern is not { ValueKind: JsonValueKind.Object })
        {
            errors.Add(new FieldError("pattern", "is required and must be a JSON object (an EventBridge event pattern)"));
        }

        if (request.RiskWeight is null)
        {
            errors.Add(new FieldError("riskWeight", "is required"));
        }

        if (request.Tip is null)
        {
            errors.Add(new FieldError("tip", "is required: {\"title\": …, \"body\": …}"));
        }

        if (request.Channels is null)
        {
            errors.Add(new FieldError("channels", "is required: [{\"type\": \"webhook\", \"url\": …, \"secret\": …}]"));
        }

        var deliveryLimit = ParseDeliveryLimit(request.DeliveryLimit, errors);

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var channels = request.Channels!.Select(ToChannel).ToArray();
        return (new CampaignDefinition(
            request.Name?.Trim() ?? "",
            request.Pattern!.Value.GetRawText(),
            request.RiskWeight!.Value,
            new CoachingTip(request.Tip!.Title ?? "", request.Tip.Body ?? ""),
            channels,
            deliveryLimit,
            request.TestMode ?? false,
            request.Workflow), errors);
    }
}
