using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>The README's walkthrough, over HTTP against the real silo program: tenant → campaign → event → tip → user.</summary>
[Collection(SiloCollection.Name)]
public sealed class EndToEndTests(SiloFactory silo)
{
    private const string Secret = "walkthrough-secret-123";

    [Theory]
    [InlineData("crowdstrike", "jdoe@example.com")]
    [InlineData("zscaler", "jdoe@example.com")]
    [InlineData("netskope", "jdoe@example.com")]
    public async Task A_vendor_event_moves_the_risk_score_and_delivers_a_tip(string vendor, string expectedUser)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        var campaign = $$"""
            {"name":"Risky action","pattern":{"$or":[{"class_uid":[2004]},{"class_uid":[4002],"disposition":["Allowed"]}]},
             "riskWeight":25,"tip":{"title":"Careful, {{"{{"}}actor.user.name{{"}}"}}","body":"We saw that on {{"{{"}}device.hostname{{"}}"}}."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
            """;
        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/risky", new StringContent(campaign, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // CrowdStrike names the account without its domain ("jdoe"); the tenant's domain rule makes it an address.
        using (var domain = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", new StringContent("""{"aliases":[],"domain":"example.com"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, domain.StatusCode);
        }

        var raw = vendor switch
        {
            "crowdstrike" => VendorSamples.CrowdStrikeDetection("jdoe", "ldt:e2e:1"),
            "zscaler" => VendorSamples.ZscalerWeb("JDoe@Example.com", "rec-e2e-1"),
            _ => VendorSamples.NetskopeAlert("jdoe@example.com", "ns-e2e-1"),
        };
        using var ingest = await client.PostAsync($"/v1/ingest/{vendor}", new StringContent(raw, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        var eventId = (await ingest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventIds")[0].GetString();

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), $"{vendor} tip delivery"));
        Assert.True(delivered.SignatureValid);
        Assert.Equal(eventId, delivered.Body.GetProperty("eventId").GetString());
        Assert.Equal(tenantId, delivered.Body.GetProperty("event").GetProperty("tenant_id").GetString());
        Assert.StartsWith("Careful, ", delivered.Body.GetProperty("tip").GetProperty("title").GetString(), StringComparison.Ordinal);

        var user = await Eventually.Until(
            async () => await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/{Uri.EscapeDataString(expectedUser)}"),
            u => u.GetProperty("coachings").GetArrayLength() == 1 && u.GetProperty("coachings")[0].GetProperty("status").GetString() == "Delivered",
            "user shows the delivered coaching");
        Assert.Equal(expectedUser, user.GetProperty("userKey").GetString());
        Assert.Equal(25, user.GetProperty("riskScore").GetDouble(), precision: 3);
        Assert.Equal(1, user.GetProperty("eventCount").GetInt64());
        Assert.Equal(JsonValueKind.String, user.GetProperty("lastEventAt").ValueKind);
        var coaching = user.GetProperty("coachings")[0];
        Assert.Equal("risky", coaching.GetProperty("campaignId").GetString());
        Assert.Equal(eventId, coaching.GetProperty("eventId").GetString());
        Assert.Equal(1, coaching.GetProperty("attempts").GetInt32());

        // The client retries the same request (a lost 202): nothing is scored or sent twice.
        using var again = await client.PostAsync($"/v1/ingest/{vendor}", new StringContent(raw, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(eventId, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventIds")[0].GetString());
        var marker = vendor switch
        {
            "crowdstrike" => VendorSamples.CrowdStrikeDetection("jdoe", "ldt:e2e:marker"),
            "zscaler" => VendorSamples.ZscalerWeb("jdoe@example.com", "rec-e2e-marker", action: "Blocked"),
            _ => VendorSamples.NetskopeAlert("jdoe@example.com", "ns-e2e-marker"),
        };
        using var next = await client.PostAsync($"/v1/ingest/{vendor}", new StringContent(marker, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        var after = await Eventually.Until(
            async () => await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/{Uri.EscapeDataString(expectedUser)}"),
            u => u.GetProperty("eventCount").GetInt64() == 2, "the marker event after the replay was counted");
        var coachings = after.GetProperty("coachings").EnumerateArray().Select(c => c.GetProperty("eventId").GetString()).ToList();
        Assert.Single(coachings, id => id == eventId);
    }
}
