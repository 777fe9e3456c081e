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

public sealed record ChannelBody(string? Type, string? Url, string? Secret, string? From, string? To);

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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? To)
{
    public static ChannelResponse Of(ChannelDefinition c) => new(c.Type, c.Url.Length == 0 ? null : c.Url, c.From, c.To);
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

public sealed record UserResponse(string UserKey, double RiskScore, long EventCount, DateTimeOffset? LastEventAt, CoachingSummaryResponse[] Coachings);

public sealed record CreateKeyRequest(string? Name);

public sealed record ApiKeyResponse(string KeyId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResponse From(ApiKeyInfo info) => new(info.KeyId, info.Name, info.CreatedAt, info.LastUsedAt);
}

/// <summary>A new key: the only time the key itself is shown.</summary>
public sealed record CreatedKeyResponse(string KeyId, string Name, DateTimeOffset CreatedAt, string ApiKey);

/// <summary>Quiet hours as a body: local times "HH:mm" and an IANA time zone.</summary>
public sealed record QuietHoursBody(string? Start, string? End, string? TimeZone)
{
    public QuietHours ToQuietHours() => new(Start ?? "", End ?? "", TimeZone ?? "");
}

public sealed record SettingsRequest(ChannelBody? AlertChannel, QuietHoursBody? QuietHours);

public sealed record SettingsResponse(ChannelResponse? AlertChannel, QuietHours? QuietHours)
{
    public static SettingsResponse From(TenantSettings settings) =>
        new(settings.AlertChannel is { } c ? ChannelResponse.Of(c) : null, settings.QuietHours);
}

/// <summary>A user's own settings: a time zone and quiet hours, each null when the tenant's apply.</summary>
public sealed record PreferencesBody(string? TimeZone, QuietHoursBody? QuietHours);

public sealed record PreferencesResponse(string UserKey, string? TimeZone, QuietHours? QuietHours);

/// <summary>Dependencies of the tenant endpoints.</summary>
public sealed record TenantServices(IGrainFactory Grains, CallerResolver Callers)
{
    /// <summary>The tenant's grain when the caller may act on it and it exists; else the 401, 403 or 404 to answer.</summary>
    public async ValueTask<(ITenantGrain? Tenant, ProblemHttpResult? Problem)> AuthorizedTenantAsync(HttpContext context, string tenantId)
    {
        var (caller, problem) = await Callers.ResolveForTenantAsync(context, tenantId);
        if (caller is null)
        {
            return (null, problem);
        }

        var tenant = Grains.Reference<ITenantGrain>(tenantId);
        return await tenant.Exists()
            ? (tenant, null)
            : (null, Problems.NotFound("tenant-not-found", $"Tenant '{tenantId}' does not exist."));
    }
}

/// <summary>Tenants, their campaigns and their users: <c>/v1/tenants</c>.</summary>
public static class TenantApi
{
    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/tenants").WithTags("Tenants");

        api.MapPost("/", CreateTenant)
            .WithName("CreateTenant")
            .WithSummary("Create a tenant (admin key); the answer holds the tenant's API key, shown only once.")
            .Accepts<CreateTenantRequest>("application/json");

        api.MapPut("/{tenantId}/campaigns/{campaignId}", PutCampaign)
            .WithName("PutCampaign")
            .WithSummary("Create or replace a coaching campaign (admin key or the tenant's key).")
            .Accepts<CampaignRequest>("application/json");

        api.MapGet("/{tenantId}/campaigns", ListCampaigns)
            .WithName("ListCampaigns")
            .WithSummary("List the tenant's campaigns.");

        api.MapPut("/{tenantId}/settings", PutSettings)
            .WithName("PutSettings")
            .WithSummary("Set the tenant's settings: the alert channel that hears of failed coachings, and the users' default quiet hours.")
            .Accepts<SettingsRequest>("application/json");

        api.MapGet("/{tenantId}/settings", GetSettings)
            .WithName("GetSettings")
            .WithSummary("The tenant's settings (channel secrets are never returned).");

        api.MapPost("/{tenantId}/keys", CreateKey)
            .WithName("CreateApiKey")
            .WithSummary("Add an API key to the tenant (admin key or a tenant key); the answer is the only time the key is shown.")
            .Accepts<CreateKeyRequest>("application/json");

        api.MapGet("/{tenantId}/keys", ListKeys)
            .WithName("ListApiKeys")
            .WithSummary("The tenant's live keys: id, name, created and last used (never the key).");

        api.MapDelete("/{tenantId}/keys/{keyId}", RevokeKey)
            .WithName("RevokeApiKey")
            .WithSummary("Revoke a key at once.");

        api.MapGet("/{tenantId}/users/{userKey}", GetUser)
            .WithName("GetUser")
            .WithSummary("A user's risk score, event count and coachings.");

        api.MapPut("/{tenantId}/users/{userKey}/preferences", PutPreferences)
            .WithName("PutUserPreferences")
            .WithSummary("Set a user's own time zone and quiet hours (null: the tenant's apply); a user need not have had an event yet.")
            .Accepts<PreferencesBody>("application/json");

        api.MapGet("/{tenantId}/users/{userKey}/preferences", GetPreferences)
            .WithName("GetUserPreferences")
            .WithSummary("A user's own time zone and quiet hours (both null when never set).");

        return app;
    }

    public static async Task<Results<Created<CreateTenantResponse>, ProblemHttpResult>> CreateTenant(
        HttpContext context, [AsParameters] TenantServices services)
    {
        var (caller, problem) = await services.Callers.ResolveAsync(context);
        if (caller is null)
        {
            return problem!;
        }

        if (!caller.IsAdmin)
        {
            return Problems.Forbidden("Creating tenants needs the admin key.");
        }

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

        var apiKey = ApiKeys.NewTenantKey(request.TenantId!);
        var created = await services.Grains.Reference<ITenantGrain>(request.TenantId!).Create(request.Name!.Trim(), ApiKeys.Hash(apiKey));
        return created == TenantCreation.Created
            ? TypedResults.Created($"/v1/tenants/{request.TenantId}", new CreateTenantResponse(request.TenantId!, apiKey))
            : Problems.Conflict("tenant-exists", $"Tenant '{request.TenantId}' already exists.");
    }

    public static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> PutCampaign(
        HttpContext context, string tenantId, string campaignId, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        if (tenant is null)
        {
            return problem!;
        }

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

        var result = await tenant.PutCampaign(campaignId, definition);
        return result.Campaign is { } stored
            ? TypedResults.Ok(CampaignResponse.From(stored))
            : Problems.Invalid(result.Errors);
    }

    public static async Task<Results<Ok<CampaignListResponse>, ProblemHttpResult>> ListCampaigns(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        if (tenant is null)
        {
            return problem!;
        }

        var set = await tenant.GetCampaigns();
        return TypedResults.Ok(new CampaignListResponse(set.Version, [.. set.Campaigns.Select(CampaignResponse.From)]));
    }

    public static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> PutSettings(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        if (tenant is null)
        {
            return problem!;
        }

        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<SettingsRequest>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var settings = new TenantSettings(request.AlertChannel is { } c ? ToChannel(c) : null, request.QuietHours?.ToQuietHours());
        var errors = await tenant.PutSettings(settings);
        return errors.Length == 0 ? TypedResults.Ok(SettingsResponse.From(settings)) : Problems.Invalid(errors);
    }

    public static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> GetSettings(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        return tenant is null ? problem! : TypedResults.Ok(SettingsResponse.From(await tenant.GetSettings()));
    }

    public static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> CreateKey(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (caller, problem) = await services.Callers.ResolveForTenantAsync(context, tenantId);
        if (caller is null)
        {
            return problem!;
        }

        // The body is optional: a key needs no more than a tenant.
        var name = "unnamed";
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
        }

        var apiKey = ApiKeys.NewTenantKey(tenantId);
        var info = await services.Grains.Reference<ITenantGrain>(tenantId).AddApiKey(name, ApiKeys.Hash(apiKey));
        return info is null
            ? Problems.NotFound("tenant-not-found", $"Tenant '{tenantId}' does not exist.")
            : TypedResults.Created($"/v1/tenants/{tenantId}/keys/{info.KeyId}", new CreatedKeyResponse(info.KeyId, info.Name, info.CreatedAt, apiKey));
    }

    public static async Task<Results<Ok<ApiKeyResponse[]>, ProblemHttpResult>> ListKeys(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        if (tenant is null)
        {
            return problem!;
        }

        return TypedResults.Ok((await tenant.GetApiKeys()).Select(ApiKeyResponse.From).ToArray());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(
        HttpContext context, string tenantId, string keyId, [AsParameters] TenantServices services)
    {
        var (caller, problem) = await services.Callers.ResolveForTenantAsync(context, tenantId);
        if (caller is null)
        {
            return problem!;
        }

        return await services.Grains.Reference<ITenantGrain>(tenantId).RevokeApiKey(keyId)
            ? TypedResults.NoContent()
            : Problems.NotFound("key-not-found", $"Tenant '{tenantId}' has no live key '{keyId}'.");
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(
        HttpContext context, string tenantId, string userKey, [AsParameters] TenantServices services)
    {
        var (caller, problem) = await services.Callers.ResolveForTenantAsync(context, tenantId);
        if (caller is null)
        {
            return problem!;
        }

        // User keys are stored lower-cased (emails are case-insensitive in practice), so any casing finds the user.
        var key = userKey.ToLowerInvariant();
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
            [.. view.Coachings.Select(c => new CoachingSummaryResponse(c.CoachingId, c.CampaignId, c.EventId, c.Status.ToString(), c.Attempts, c.DeliveredAt))]));
    }

    public static async Task<Results<Ok<PreferencesResponse>, ProblemHttpResult>> PutPreferences(
        HttpContext context, string tenantId, string userKey, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        if (tenant is null)
        {
            return problem!;
        }

        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<PreferencesBody>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var key = userKey.ToLowerInvariant();
        var preferences = new UserPreferences(request.TimeZone, request.QuietHours?.ToQuietHours());
        var errors = await services.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, key)).SetPreferences(preferences);
        return errors.Length == 0
            ? TypedResults.Ok(new PreferencesResponse(key, preferences.TimeZone, preferences.QuietHours))
            : Problems.Invalid(errors);
    }

    public static async Task<Results<Ok<PreferencesResponse>, ProblemHttpResult>> GetPreferences(
        HttpContext context, string tenantId, string userKey, [AsParameters] TenantServices services)
    {
        var (tenant, problem) = await services.AuthorizedTenantAsync(context, tenantId);
        if (tenant is null)
        {
            return problem!;
        }

        var key = userKey.ToLowerInvariant();
        var preferences = await services.Grains.Reference<IUserGrain>(GrainKeys.User(tenantId, key)).GetPreferences();
        return TypedResults.Ok(new PreferencesResponse(key, preferences.TimeZone, preferences.QuietHours));
    }

    internal static ChannelDefinition ToChannel(ChannelBody? c) => new(c?.Type ?? "", c?.Url ?? "", c?.Secret ?? "", c?.From, c?.To);

    /// <summary>An ISO-8601 duration (<c>PT1H</c>), or null when absent; a malformed one adds an error.</summary>
    internal static TimeSpan? ParseDeliveryLimit(string? text, List<FieldError> errors)
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
            errors.Add(new FieldError("deliveryLimit", $"'{text}' is not an ISO-8601 duration such as PT1H or P1D"));
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
