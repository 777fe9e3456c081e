using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// A tenant's own workflow against the real program: what can never end is refused at PUT, and what loops ends
/// within the limits (grains/Workflow/WorkflowLimits.cs, CoachingOptions) while another tenant keeps being coached.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class HostileWorkflowTests(SiloFactory silo)
{
    private const string Secret = "hostile-workflow-secret";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Campaign(string hook, string? workflow) => $$"""
        {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware was found."},
         "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]{{(workflow is null ? "" : $",\"workflow\":\"{workflow}\"")}}}
        """;

    [Theory]
    [InlineData("""{ "StartAt": "Spin", "States": { "Spin": { "Type": "Task", "Resource": "coach:test-mode", "Next": "Spin" } } }""",
        "$.States.Spin", "can never end")]
    [InlineData("""
        { "StartAt": "Deliver", "States": { "Deliver": { "Type": "Task", "Resource": "coach:deliver", "End": true,
          "Retry": [ { "ErrorEquals": [ "States.ALL" ], "MaxAttempts": 99999999 } ] } } }
        """, "$.States.Deliver.Retry[0].MaxAttempts", "at most 10")]
    public async Task A_workflow_that_could_hold_the_silo_is_422_naming_the_field(string asl, string field, string problem)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/workflows/hostile", Json(asl));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray()
            .Select(e => (Field: e.GetProperty("field").GetString(), Problem: e.GetProperty("problem").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Field == field && e.Problem.Contains(problem, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/tenants/{tenantId}/workflows/hostile")).StatusCode);
    }

    [Fact]
    public async Task A_catch_that_leads_back_to_the_delivery_posts_a_bounded_number_of_times_and_another_tenant_is_still_coached()
    {
        var (hostile, hostileKey) = await silo.NewTenantAsync("hostile");
        var (neighbour, neighbourKey) = await silo.NewTenantAsync("neighbour");
        using var hostileClient = silo.ClientWithKey(hostileKey);
        using var neighbourClient = silo.ClientWithKey(neighbourKey);
        var cannon = silo.Webhooks.NewHook(Secret);
        silo.Webhooks.Script(cannon, [.. Enumerable.Repeat(500, 1_000)]);
        var neighbourHook = silo.Webhooks.NewHook(Secret);
        const string flood = """
            {
              "StartAt": "Deliver",
              "States": {
                "Deliver": { "Type": "Task", "Resource": "coach:deliver-webhook", "ResultPath": "$.delivery",
                             "Catch": [ { "ErrorEquals": [ "States.ALL" ], "ResultPath": "$.error", "Next": "Deliver" } ],
                             "Next": "Record" },
                "Record": { "Type": "Task", "Resource": "coach:record", "Parameters": { "status": "Delivered" }, "End": true }
              }
            }
            """;
        Assert.Equal(HttpStatusCode.OK, (await hostileClient.PutAsync($"/v1/tenants/{hostile}/workflows/flood", Json(flood))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await hostileClient.PutAsync($"/v1/tenants/{hostile}/campaigns/malware", Json(Campaign(cannon, "flood")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await neighbourClient.PutAsync($"/v1/tenants/{neighbour}/campaigns/malware", Json(Campaign(neighbourHook, null)))).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await hostileClient.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("loop@example.com", "ns-flood-1")))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await neighbourClient.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("calm@example.com", "ns-calm-1")))).StatusCode);

        Assert.True(Assert.Single(await silo.Webhooks.WaitForAsync(neighbourHook, 1, TimeSpan.FromSeconds(15), "the neighbour's tip")).SignatureValid);
        var failed = await Eventually.Until(
            async () => (await hostileClient.GetFromJsonAsync<JsonElement>($"/v1/tenants/{hostile}/coachings?status=Failed")).EnumerateArray().ToList(),
            list => list.Count == 1, "the looping coaching ends");
        var lastError = failed[0].GetProperty("lastError").GetString();

        // Ten posts (the per-coaching delivery limit), then deliveries that send nothing, until the transition limit.
        Assert.Equal(10, silo.Webhooks.ReceivedAt(cannon).Count);
        Assert.Equal(10, failed[0].GetProperty("attempts").GetInt32());
        Assert.Contains("States.Runtime", lastError);
        Assert.Contains("transition limit", lastError);
    }
}
