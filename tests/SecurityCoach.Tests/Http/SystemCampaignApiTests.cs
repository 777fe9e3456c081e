using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>System campaigns over HTTP against the real silo: list, enable with one call, coach, disable.</summary>
[Collection(SiloCollection.Name)]
public sealed class SystemCampaignApiTests(SiloFactory silo)
{
    private const string Secret = "system-campaign-secret";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Channels(string hook) => $$"""{"channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}""";

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/" + type, problem.GetProperty("type").GetString());
        return problem;
    }

    private static async Task<Dictionary<string, JsonElement>> ListAsync(HttpClient client, string tenantId)
    {
        var list = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/system-campaigns");
        return list.EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c);
    }

    [Fact]
    public async Task A_new_tenant_sees_every_system_campaign_switched_off()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        var catalog = await ListAsync(client, tenantId);

        Assert.Equal(
            ["sys-blocked-category", "sys-dlp", "sys-malware", "sys-mfa-fatigue", "sys-phishing-click", "sys-risky-signin"],
            catalog.Keys.Order(StringComparer.Ordinal));
        foreach (var campaign in catalog.Values)
        {
            Assert.False(campaign.GetProperty("enabled").GetBoolean());
            Assert.Equal(JsonValueKind.Null, campaign.GetProperty("campaign").ValueKind);
            Assert.Equal(JsonValueKind.Array, campaign.GetProperty("pattern").GetProperty("$or").ValueKind);
            Assert.True(campaign.GetProperty("defaultRiskWeight").GetDouble() > 0);
            Assert.NotEmpty(campaign.GetProperty("tip").GetProperty("title").GetString()!);
        }

        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/campaigns")).GetProperty("campaigns").GetArrayLength());
    }

    [Fact]
    public async Task An_enabled_system_campaign_coaches_and_a_disabled_one_no_longer_does()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        const string user = "dana.kim@northwind.example";

        using (var enable = await client.PostAsync($"/v1/tenants/{tenantId}/system-campaigns/sys-phishing-click/enable", Json(Channels(hook))))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
            var body = await enable.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("enabled").GetBoolean());
            Assert.Equal("sys-phishing-click", body.GetProperty("campaign").GetProperty("campaignId").GetString());
            Assert.Equal(40, body.GetProperty("campaign").GetProperty("riskWeight").GetDouble());
        }

        Assert.True((await ListAsync(client, tenantId))["sys-phishing-click"].GetProperty("enabled").GetBoolean());
        var stored = (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/campaigns")).GetProperty("campaigns");
        Assert.Equal("sys-phishing-click", Assert.Single(stored.EnumerateArray()).GetProperty("campaignId").GetString());

        using (var ingest = await client.PostAsync("/v1/ingest/zscaler", Json(VendorSamples.ZscalerWeb(user, "sys-rec-1"))))
        {
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        }

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(15), "system campaign tip"));
        Assert.True(delivered.SignatureValid);
        Assert.Equal("sys-phishing-click", delivered.Body.GetProperty("campaignId").GetString());
        Assert.Equal("sys-rec-1", delivered.Body.GetProperty("eventId").GetString());
        Assert.Equal("That link was a phishing page", delivered.Body.GetProperty("tip").GetProperty("title").GetString());
        Assert.Contains("https://login.evil.example/owa", delivered.Body.GetProperty("tip").GetProperty("body").GetString(), StringComparison.Ordinal);

        using (var disable = await client.PostAsync($"/v1/tenants/{tenantId}/system-campaigns/sys-phishing-click/disable", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        }

        Assert.False((await ListAsync(client, tenantId))["sys-phishing-click"].GetProperty("enabled").GetBoolean());
        using (var ingest = await client.PostAsync("/v1/ingest/zscaler", Json(VendorSamples.ZscalerWeb(user, "sys-rec-2"))))
        {
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        }

        // Coachings start before the user's state is written, so once the second event is counted any coaching
        // it caused would already be listed.
        var view = await Eventually.Until(
            async () => await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/{Uri.EscapeDataString(user)}"),
            u => u.GetProperty("eventCount").GetInt64() == 2, "the event after disabling was counted");
        Assert.Equal("sys-rec-1", Assert.Single(view.GetProperty("coachings").EnumerateArray()).GetProperty("eventId").GetString());
        Assert.Equal(40, view.GetProperty("riskScore").GetDouble(), precision: 3);
        Assert.Single(silo.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task Enabling_takes_overrides_and_enabling_again_replaces_them()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        const string url = "/v1/tenants/{0}/system-campaigns/sys-dlp/enable";

        using var first = await client.PostAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, url, tenantId),
            Json($$"""{"channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}],"riskWeight":7,"testMode":true,"deliveryLimit":"P1D"}"""));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var campaign = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaign");
        Assert.Equal(7, campaign.GetProperty("riskWeight").GetDouble());
        Assert.True(campaign.GetProperty("testMode").GetBoolean());
        Assert.Equal("P1D", campaign.GetProperty("deliveryLimit").GetString());

        using var second = await client.PostAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, url, tenantId), Json(Channels(hook)));
        var replaced = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaign");
        Assert.Equal(30, replaced.GetProperty("riskWeight").GetDouble());
        Assert.False(replaced.GetProperty("testMode").GetBoolean());
        Assert.True(replaced.GetProperty("version").GetInt64() > campaign.GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("enable")]
    [InlineData("disable")]
    public async Task An_unknown_system_campaign_is_404(string action)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync($"/v1/tenants/{tenantId}/system-campaigns/sys-nope/{action}", Json(Channels("http://127.0.0.1:9/x")));
        var problem = await AssertProblem(response, HttpStatusCode.NotFound, "system-campaign-not-found");
        Assert.Contains("sys-malware", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabling_a_campaign_that_is_off_is_204()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync($"/v1/tenants/{tenantId}/system-campaigns/sys-malware/disable", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("""{}""", "channels")]
    [InlineData("""{"channels":[]}""", "channels")]
    [InlineData("""{"channels":[{"type":"webhook","url":"http://127.0.0.1:9/x","secret":"short"}]}""", "channels[0].secret")]
    [InlineData("""{"channels":[{"type":"pager","url":"http://127.0.0.1:9/x"}]}""", "channels[0].type")]
    [InlineData("""{"channels":[{"type":"webhook","url":"http://127.0.0.1:9/x","secret":"0123456789abcdef"}],"deliveryLimit":"1 hour"}""", "deliveryLimit")]
    [InlineData("""{"channels":[{"type":"webhook","url":"http://127.0.0.1:9/x","secret":"0123456789abcdef"}],"riskWeight":-1}""", "riskWeight")]
    public async Task Invalid_channels_or_overrides_are_422_and_enable_nothing(string body, string field)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync($"/v1/tenants/{tenantId}/system-campaigns/sys-malware/enable", Json(body));
        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
        Assert.False((await ListAsync(client, tenantId))["sys-malware"].GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Another_tenants_key_is_403_and_no_key_is_401()
    {
        var (tenantId, _) = await silo.NewTenantAsync();
        var (_, otherKey) = await silo.NewTenantAsync();
        using var other = silo.ClientWithKey(otherKey);
        using var anonymous = silo.ClientWithKey(null);
        var enable = $"/v1/tenants/{tenantId}/system-campaigns/sys-malware/enable";

        using (var list = await other.GetAsync($"/v1/tenants/{tenantId}/system-campaigns"))
        {
            await AssertProblem(list, HttpStatusCode.Forbidden, "forbidden");
        }

        using (var response = await other.PostAsync(enable, Json(Channels("http://127.0.0.1:9/x"))))
        {
            await AssertProblem(response, HttpStatusCode.Forbidden, "forbidden");
        }

        using (var response = await other.PostAsync($"/v1/tenants/{tenantId}/system-campaigns/sys-malware/disable", null))
        {
            await AssertProblem(response, HttpStatusCode.Forbidden, "forbidden");
        }

        using (var response = await anonymous.PostAsync(enable, Json(Channels("http://127.0.0.1:9/x"))))
        {
            await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task An_unknown_tenant_is_404_for_the_admin()
    {
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await admin.GetAsync("/v1/tenants/no-such-tenant-sc/system-campaigns");
        await AssertProblem(response, HttpStatusCode.NotFound, "tenant-not-found");
    }

    [Fact]
    public async Task A_tenant_campaign_cannot_take_a_system_id()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var campaign = """
            {"name":"Mine","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"t","body":"b"},
             "channels":[{"type":"webhook","url":"http://127.0.0.1:9/x","secret":"0123456789abcdef"}]}
            """;
        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/sys-malware", Json(campaign));
        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal("campaignId", problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }
}
