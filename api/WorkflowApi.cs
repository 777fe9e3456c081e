using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;

namespace SecurityCoach.Api;

/// <summary>A workflow with its definition: a stored one, or the built-in (version 0, no update time).</summary>
public sealed record WorkflowResponse(
    string Name,
    bool BuiltIn,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? UpdatedAt,
    JsonElement Definition)
{
    public static WorkflowResponse From(StoredWorkflow stored) =>
        new(stored.Name, BuiltIn: false, stored.Version, stored.UpdatedAt, ParseStored(stored.Definition));

    public static WorkflowResponse BuiltInDefault(string definition) =>
        new(WorkflowRules.DefaultName, BuiltIn: true, 0, null, ParseStored(definition));

    /// <summary>Stored text was JSON when it was accepted, so this parses.</summary>
    private static JsonElement ParseStored(string definition)
    {
        using var document = JsonDocument.Parse(definition);
        return document.RootElement.Clone();
    }
}

/// <summary>A workflow as the list shows it: its comment and how many top-level states it has, not the definition.</summary>
public sealed record WorkflowSummaryResponse(
    string Name,
    bool BuiltIn,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? UpdatedAt,
    string? Comment,
    int States);

/// <summary>
/// A tenant's coaching workflows (Amazon States Language documents): <c>/v1/tenants/{tenantId}/workflows</c>. The
/// built-in one is listed and readable as <c>default</c>, so it can be copied as a starting point; it cannot be
/// replaced or removed.
/// </summary>
public static class WorkflowApi
{
    public static IEndpointRouteBuilder MapWorkflowApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapTenantGroup("/workflows").WithTags("Workflows");

        api.MapPut("/{name}", PutWorkflow)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("workflow.put", "name")
            .WithName("PutWorkflow")
            .WithSummary("Create or replace a workflow: the body is the Amazon States Language document. Running coachings keep the text they started with.")
            .Accepts<JsonElement>("application/json");

        api.MapGet("/{name}", GetWorkflow)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("GetWorkflow")
            .WithSummary("One workflow with its definition; 'default' is the built-in one.");

        api.MapGet("/", ListWorkflows)
            .RequireAuthorization(ApiPolicies.TenantRead)
            .WithName("ListWorkflows")
            .WithSummary("The built-in workflow and the tenant's own: name, version, comment and number of states.");

        api.MapDelete("/{name}", DeleteWorkflow)
            .RequireAuthorization(ApiPolicies.TenantAdmin)
            .Audited("workflow.delete", "name")
            .WithName("DeleteWorkflow")
            .WithSummary("Remove a workflow that no campaign names.");

        return app;
    }

    public static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> PutWorkflow(
        HttpContext context, string tenantId, string name, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        if (RequestBody.MediaType(context.Request) != "application/json")
        {
            return Problems.UnsupportedMediaType("Send the workflow definition (an Amazon States Language document) as application/json.");
        }

        var (body, bodyProblem) = await RequestBody.ReadAsync(context.Request, WorkflowRules.MaxDefinitionBytes, context.RequestAborted);
        if (body is null)
        {
            return bodyProblem!;
        }

        string definition;
        using (body)
        {
            var bytes = body.Memory;
            if (bytes.Span.StartsWith("\uFEFF"u8))
            {
                bytes = bytes[3..];
            }

            if (NotJson(bytes) is { } notJson)
            {
                return notJson;
            }

            // Stored as sent, so a GET gives back the user's own text (key order, comments in "Comment").
            definition = Encoding.UTF8.GetString(bytes.Span);
        }

        var result = await tenant.PutWorkflow(name, definition);
        if (result.Quota is { } quota)
        {
            return Problems.QuotaExceeded(quota);
        }

        return result.Workflow is { } stored
            ? TypedResults.Ok(WorkflowResponse.From(stored))
            : Problems.Invalid(result.Errors);
    }

    public static async Task<Results<Ok<WorkflowResponse>, ProblemHttpResult>> GetWorkflow(
        HttpContext context, string tenantId, string name, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        if (name == WorkflowRules.DefaultName)
        {
            return TypedResults.Ok(WorkflowResponse.BuiltInDefault(await tenant.GetDefaultWorkflow()));
        }

        return await tenant.GetWorkflow(name) is { } stored
            ? TypedResults.Ok(WorkflowResponse.From(stored))
            : WorkflowNotFound(tenantId, name);
    }

    public static async Task<Results<Ok<WorkflowSummaryResponse[]>, ProblemHttpResult>> ListWorkflows(
        HttpContext context, string tenantId, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        var stored = await tenant.ListWorkflows();
        var list = new WorkflowSummaryResponse[stored.Length + 1];
        list[0] = ToSummary(WorkflowRules.DefaultName, builtIn: true, 0, null, await tenant.GetDefaultWorkflow());
        for (var i = 0; i < stored.Length; i++)
        {
            list[i + 1] = ToSummary(stored[i].Name, builtIn: false, stored[i].Version, stored[i].UpdatedAt, stored[i].Definition);
        }

        return TypedResults.Ok(list);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWorkflow(
        HttpContext context, string tenantId, string name, [AsParameters] TenantServices services)
    {
        var tenant = services.Tenant(tenantId);

        if (name == WorkflowRules.DefaultName)
        {
            return Problems.Conflict("workflow-built-in", $"'{WorkflowRules.DefaultName}' is the built-in workflow; it cannot be removed.");
        }

        var result = await tenant.RemoveWorkflow(name);
        if (!result.Found)
        {
            return WorkflowNotFound(tenantId, name);
        }

        return result.UsedBy.Length == 0
            ? TypedResults.NoContent()
            : Problems.Conflict("workflow-in-use",
                $"Workflow '{name}' is named by campaign(s) {string.Join(", ", result.UsedBy)}; point them at another workflow first.",
                new Dictionary<string, object?> { ["campaigns"] = result.UsedBy });
    }

    /// <summary>
    /// 400 unless the body is one JSON value: <c>malformed-json</c>, or <c>duplicate-key</c> for a property name
    /// repeated in one object (the engine's parser would keep one copy, Step Functions may keep the other).
    /// </summary>
    private static ProblemHttpResult? NotJson(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var strict = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return null;
        }
        catch (JsonException strictError)
        {
            try
            {
                using var lenient = JsonDocument.Parse(bytes);
            }
            catch (JsonException e)
            {
                return Problems.BadRequest("malformed-json", $"The body is not valid JSON: {e.Message}");
            }

            return Problems.BadRequest("duplicate-key", $"The body repeats a property name in one object ({strictError.Message}).");
        }
    }

    private static WorkflowSummaryResponse ToSummary(string name, bool builtIn, long version, DateTimeOffset? updatedAt, string definition)
    {
        using var document = JsonDocument.Parse(definition);
        var root = document.RootElement;
        var comment = root.TryGetProperty("Comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var states = 0;
        if (root.TryGetProperty("States", out var s) && s.ValueKind == JsonValueKind.Object)
        {
            foreach (var _ in s.EnumerateObject())
            {
                states++;
            }
        }

        return new WorkflowSummaryResponse(name, builtIn, version, updatedAt, comment, states);
    }

    private static ProblemHttpResult WorkflowNotFound(string tenantId, string name) =>
        Problems.NotFound("workflow-not-found",
            $"Tenant '{tenantId}' has no workflow '{name}'; GET /v1/tenants/{tenantId}/workflows lists them ('{WorkflowRules.DefaultName}' is the built-in one).");
}
