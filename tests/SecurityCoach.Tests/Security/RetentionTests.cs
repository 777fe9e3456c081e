using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// Retention of ended coachings over HTTP: the tenant's setting is validated and shown; past the retention (here the
/// operator's default, two seconds) a delivered coaching reads as never started, from its own route and the user's.
/// </summary>
public sealed class RetentionTests
{
    private const string Secret = "retention-secret-0123";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_delivered_coaching_is_gone_once_its_retention_has_passed_and_the_tenants_setting_is_validated()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string> { ["SecurityCoach:Retention:EndedCoachings"] = "00:00:02" });
        await ((IAsyncLifetime)silo).InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync("keep");
        using var client = silo.ClientWithKey(key);

        foreach (var (value, status) in new[] { ("PT1H", HttpStatusCode.UnprocessableEntity), ("P4000D", HttpStatusCode.UnprocessableEntity), ("soon", HttpStatusCode.UnprocessableEntity) })
        {
            using var refused = await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json("{\"retention\":{\"endedCoachings\":\"" + value + "\"}}"));
            Assert.Equal(status, refused.StatusCode);
            var field = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString();
            Assert.Equal("retention.endedCoachings", field);
        }

        using (var trail = await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json("""{"retention":{"auditTrail":"PT2H"}}""")))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, trail.StatusCode);
            Assert.Equal("retention.auditTrail", (await trail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
        }

        using (var kept = await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json("""{"retention":{"endedCoachings":"P30D","auditTrail":"P7D"}}""")))
        {
            Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        }

        var shown = (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/settings")).GetProperty("retention");
        Assert.Equal("P30D", shown.GetProperty("endedCoachings").GetString());
        Assert.Equal("P7D", shown.GetProperty("auditTrail").GetString());
        // Back to the operator's default (two seconds here) for the coaching below.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/settings", Json("{}"))).StatusCode);

        var hook = silo.Webhooks.NewHook(Secret);
        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(campaign))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("kept@example.com", "ns-keep-1")))).StatusCode);
        var coachingId = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "the tip")).Body.GetProperty("coachingId").GetString();
        await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/coachings/{coachingId}"),
            c => c.GetProperty("status").GetString() == "Delivered", "the coaching delivered and readable");

        await Eventually.Until(
            async () => (await client.GetAsync($"/v1/tenants/{tenantId}/coachings/{coachingId}")).StatusCode,
            s => s == HttpStatusCode.NotFound, "the coaching gone after its retention", TimeSpan.FromSeconds(15));
        var user = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/kept@example.com");
        Assert.Equal(0, user.GetProperty("coachings").GetArrayLength());
        Assert.Equal(1, user.GetProperty("eventCount").GetInt64());
    }
}
