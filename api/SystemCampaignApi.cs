using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;

namespace SecurityCoach.Api;

/// <summary>What enabling a system campaign needs: where its tips go; the rest has defaults from the catalog.</summary>
public sealed record EnableSystemCampaignRequest(ChannelBody[]? Channels, string? DeliveryLimit, bool? TestMode, double? RiskWeight);

public sealed record SystemCampaignResponse(
    string Id,
    string Name,
    string Description,
    string[] Vendors,
    double DefaultRiskWeight,
    CoachingTip Tip,
    JsonElement Pattern,
    bool Enabled,
    CampaignResponse? Campaign)
{
    public static SystemCampaignResponse From(SystemCampaign system, StoredCampaign? enabled)
    {
        using var pattern = JsonDocument.Parse(system.Pattern);
        return new SystemCampaignResponse(
            system.Id,
            system.Name,
            system.Description,
            system.Vendors,
            system.RiskWeight,
            system.Tip,
            pattern.RootElement.Clone(),
            enabled is not null,
            enabled is null ? null : CampaignResponse.From(enabled));
    }
}

/// <summary>
/// The built-in campaigns (<see cref="SystemCampaigns"/>): listed with whether the tenant has enabled each, enabled
/// with one call (stored as an ordinary campaign under the system id, so the pipeline treats it like any other), and
/// disabled (removed).
/// </summary>
public static class SystemCampaignApi
{
    public static IEndpointRouteBuilder MapSystemCampaignApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapTenantGroup("/system-campaigns").WithTags("System campaigns");

        api.MapGet("/", ListSystemCampaigns)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("ListSystemCampaigns")
            .WithSummary("The built-in campaigns: pattern, tip, default weight, vendors, and whether the tenant has enabled each.");

        api.MapPost("/{systemId}/enable", EnableSystemCampaign)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("system-campaign.enable", "systemId")
            .WithName("EnableSystemCampaign")
            .WithSummary("Enable a built-in campaign with its delivery channels (optionally deliveryLimit, testMode, riskWeight); enabling again replaces them.")
            .Accepts<EnableSystemCampaignRequest>("application/json");

        api.MapPost("/{systemId}/disable", DisableSystemCampaign)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("system-campaign.disable", "systemId")
            .WithName("DisableSystemCampaign")
            .WithSummary("Disable a built-in campaign: no event matches it from the next batch on. Disabling one that is off is not an error.");

        return app;
    }

    public static async Task<Results<Ok<SystemCampaignResponse[]>, ProblemHttpResult>> ListSystemCampaigns(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        var set = await tenant.GetCampaigns();
        var stored = set.Campaigns.ToDictionary(c => c.CampaignId, StringComparer.Ordinal);
        return TypedResults.Ok(SystemCampaigns.All
            .Select(s => SystemCampaignResponse.From(s, stored.GetValueOrDefault(s.Id)))
            .ToArray());
    }

    public static async Task<Results<Ok<SystemCampaignResponse>, ProblemHttpResult>> EnableSystemCampaign(
        HttpContext context, string tenantId, string systemId, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        if (!SystemCampaigns.TryGet(systemId, out var system))
        {
            return UnknownSystemCampaign(systemId);
        }

        var (request, bodyProblem) = await RequestBody.ReadJsonAsync<EnableSystemCampaignRequest>(context.Request, context.RequestAborted);
        if (request is null)
        {
            return bodyProblem!;
        }

        var errors = new List<FieldError>();
        if (request.Channels is null)
        {
            errors.Add(new FieldError("channels", "is required: [{\"type\": \"webhook\", \"url\": …, \"secret\": …}]"));
        }

        var deliveryLimit = TenantApi.ParseDeliveryLimit(request.DeliveryLimit, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var definition = new CampaignDefinition(
            system.Name,
            system.Pattern,
            request.RiskWeight ?? system.RiskWeight,
            system.Tip,
            [.. request.Channels!.Select(TenantApi.ToChannel)],
            deliveryLimit,
            request.TestMode ?? false);
        var result = await tenant.PutCampaign(system.Id, definition);
        return result.Campaign is { } stored
            ? TypedResults.Ok(SystemCampaignResponse.From(system, stored))
            : Problems.Invalid(result.Errors);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DisableSystemCampaign(
        HttpContext context, string tenantId, string systemId, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        if (!SystemCampaigns.TryGet(systemId, out _))
        {
            return UnknownSystemCampaign(systemId);
        }

        await tenant.RemoveCampaign(systemId);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult UnknownSystemCampaign(string systemId) =>
        Problems.NotFound("system-campaign-not-found",
            $"There is no system campaign '{systemId}'; known: {string.Join(", ", SystemCampaigns.All.Select(s => s.Id))}.");
}
