using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>Failed coachings: the tenant's alert, the failure list, the attempt history and the retry.</summary>
[Collection(SiloCollection.Name)]
public sealed class CoachingApiTests(SiloFactory silo)
{
    private const string Secret = "coaching-api-secret";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_failed_coaching_alerts_the_tenant_is_listed_and_a_retry_delivers_it()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var alertHook = silo.Webhooks.NewHook(Secret);
        var hook = silo.Webhooks.NewHook(Secret);
        silo.Webhooks.Script(hook, Enumerable.Repeat(500, SiloFactory.MaxAttempts).ToArray());
        using (var settings = await client.PutAsync($"/v1/tenants/{tenantId}/settings",
            Json($$"""{"alertChannel":{"type":"webhook","url":"{{alertHook}}","secret":"{{Secret}}"} }""")))
        {
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
            Assert.DoesNotContain(Secret, await settings.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(campaign))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("victim@example.com", "ns-fail-1")))).StatusCode);

        // The alert names the coaching and how to retry it.
        var alert = Assert.Single(await silo.Webhooks.WaitForAsync(alertHook, 1, TimeSpan.FromSeconds(15), "alert for the failed coaching"));
        Assert.True(alert.SignatureValid);
        var coachingId = alert.Body.GetProperty("coachingId").GetString()!;
        Assert.Contains("failed", alert.Body.GetProperty("tip").GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains($"/coachings/{coachingId}/retry", alert.Body.GetProperty("tip").GetProperty("body").GetString(), StringComparison.Ordinal);

        // The default workflow alerts, then ends in Fail, which lists the coaching a moment later.
        var failed = await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings?status=Failed"),
            list => list.GetArrayLength() == 1, "the failed coaching listed");
        var entry = failed[0];
        Assert.Equal(coachingId, entry.GetProperty("coachingId").GetString());
        Assert.Equal(SiloFactory.MaxAttempts, entry.GetProperty("attempts").GetInt32());
        Assert.Contains("500", entry.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        var coaching = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings/{coachingId}");
        Assert.Equal("Failed", coaching.GetProperty("status").GetString());
        Assert.Equal("victim@example.com", coaching.GetProperty("userKey").GetString());
        var history = coaching.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(SiloFactory.MaxAttempts, history.Count);
        Assert.All(history, a => Assert.False(a.GetProperty("succeeded").GetBoolean()));
        Assert.InRange(history[0].GetProperty("nextRetryInSeconds").GetDouble(), 0.1, 0.35);
        // The execution trace: states with their input and output as JSON, the caught error, the end.
        Assert.Equal("default", coaching.GetProperty("workflow").GetString());
        var execution = coaching.GetProperty("execution").EnumerateArray().ToList();
        Assert.Equal("ExecutionFailed", execution[^1].GetProperty("type").GetString());
        var caught = Assert.Single(execution, e => e.GetProperty("type").GetString() == "ErrorCaught");
        Assert.Equal(("Deliver", "Alert"), (caught.GetProperty("state").GetString(), caught.GetProperty("next").GetString()));
        var entered = execution.First(e => e.GetProperty("type").GetString() == "StateEntered");
        Assert.Equal(coachingId, entered.GetProperty("input").GetProperty("coachingId").GetString());

        // The receiver is healthy again: a retry delivers, and the failure leaves the list.
        using var retry = await client.PostAsync($"/v1/tenants/{tenantId}/coachings/{coachingId}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        await silo.Webhooks.WaitForAsync(hook, SiloFactory.MaxAttempts + 1, TimeSpan.FromSeconds(15), "delivery after the retry");
        var delivered = await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings/{coachingId}"),
            c => c.GetProperty("status").GetString() == "Delivered", "retried coaching delivered");
        Assert.Equal(SiloFactory.MaxAttempts + 1, delivered.GetProperty("attempts").GetInt32());
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings?status=Failed")).EnumerateArray());

        using var again = await client.PostAsync($"/v1/tenants/{tenantId}/coachings/{coachingId}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Single(silo.Webhooks.ReceivedAt(alertHook));
    }

    [Fact]
    public async Task A_retry_after_the_tenant_rotated_the_webhook_secret_signs_with_the_new_one()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        silo.Webhooks.Script(hook, Enumerable.Repeat(500, SiloFactory.MaxAttempts).ToArray());
        string Campaign(string secret) => $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{secret}}"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign(Secret)))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("rotated@example.com", "ns-rotate-1")))).StatusCode);
        var failed = await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings?status=Failed"),
            list => list.GetArrayLength() == 1, "the failed coaching listed");
        var coachingId = failed[0].GetProperty("coachingId").GetString()!;

        // The old secret leaked: the tenant rotates it, and the receiver accepts only the new one.
        const string rotated = "rotated-secret-0123456789";
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign(rotated)))).StatusCode);
        silo.Webhooks.SetSecret(hook, rotated);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/v1/tenants/{tenantId}/coachings/{coachingId}/retry", null)).StatusCode);

        var all = await silo.Webhooks.WaitForAsync(hook, SiloFactory.MaxAttempts + 1, TimeSpan.FromSeconds(15), "delivery after the retry");
        Assert.True(all[^1].SignatureValid, "the retried delivery is signed with the rotated secret");
    }

    [Fact]
    public async Task Coaching_endpoints_answer_404_422_and_403_as_documented()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        var (otherTenant, _) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/tenants/{tenantId}/coachings/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/v1/tenants/{tenantId}/coachings/nope/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.GetAsync($"/v1/tenants/{tenantId}/coachings?status=Pending")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.GetAsync($"/v1/tenants/{tenantId}/coachings")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/v1/tenants/{otherTenant}/coachings?status=Failed")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/v1/tenants/{otherTenant}/coachings/x/retry", null)).StatusCode);
    }

    [Fact]
    public async Task An_invalid_alert_channel_is_422_and_leaves_the_settings_as_they_were()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json("""{"alertChannel":{"type":"webhook","url":"nope","secret":"short"}}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("alertChannel.url", fields);
        Assert.Contains("alertChannel.secret", fields);
        var settings = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/settings");
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("alertChannel").ValueKind);
    }
}
