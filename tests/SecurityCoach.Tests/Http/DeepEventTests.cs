using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>
/// An event nested as deep as the ingest accepts ends up one or two levels deeper once normalized (in
/// <c>unmapped</c>); the user grain must still score it rather than fail on it for ever (found by the parser fuzz test).
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class DeepEventTests(SiloFactory silo)
{
    [Fact]
    public async Task An_event_at_the_ingest_depth_limit_is_scored()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var campaign = """
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":7,"tip":{"title":"t","body":"b"},"testMode":true,
             "channels":[{"type":"webhook","url":"https://hooks.example/x","secret":"0123456789abcdef"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", new StringContent(campaign, Encoding.UTF8, "application/json"))).StatusCode);
        // The document itself is one level; the field's arrays take it to the ingest limit (64 by default).
        var nested = new string('[', 63) + "\"File\"" + new string(']', 63);
        var alert = VendorSamples.NetskopeAlert("deep@example.com", "ns-deep").TrimEnd().TrimEnd('}') + $",\"vendor_extra\":{nested}}}";

        using var response = await client.PostAsync("/v1/ingest/netskope", new StringContent(alert, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // Matched and scored: the campaign's weight is on the user, and its (simulated) coaching is listed.
        var user = await Eventually.Until(
            async () =>
            {
                using var response = await client.GetAsync($"/v1/tenants/{tenantId}/users/deep@example.com");
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            },
            u => u.ValueKind == JsonValueKind.Object && u.GetProperty("coachings").GetArrayLength() == 1,
            "the deep event was matched and scored");
        Assert.Equal(7, user.GetProperty("riskScore").GetDouble(), precision: 3);
    }
}
