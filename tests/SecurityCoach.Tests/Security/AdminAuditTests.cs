using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>The tenant's audit log names which key changed what and when; reads and refused changes leave no entry.</summary>
[Collection(SiloCollection.Name)]
public sealed class AdminAuditTests(SiloFactory silo)
{
    private static readonly string[] OpsScopes = ["admin", "read"];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private const string Campaign = """
        {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":10,"tip":{"title":"Malware stopped","body":"Don't run attachments."},
         "channels":[{"type":"webhook","url":"https://hooks.example.com/x","secret":"0123456789abcdef"}]}
        """;

    private static async Task<JsonElement[]> Entries(HttpClient client, string tenantId, string query = "")
    {
        using var response = await client.GetAsync($"/v1/tenants/{tenantId}/audit{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").EnumerateArray()];
    }

    [Fact]
    public async Task Each_change_is_logged_with_the_key_that_made_it_newest_first_and_reads_and_refusals_are_not()
    {
        var (tenantId, fullKey) = await silo.NewTenantAsync("au");
        using var full = silo.ClientWithKey(fullKey);
        using var created = await full.PostAsJsonAsync($"/v1/tenants/{tenantId}/keys", new { name = "ops", scopes = OpsScopes });
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        var opsKeyId = key.GetProperty("keyId").GetString()!;
        using var ops = silo.ClientWithKey(key.GetProperty("apiKey").GetString());
        using var operatorClient = silo.ClientWithKey(SiloFactory.AdminKey);

        Assert.Equal(HttpStatusCode.OK, (await ops.PutAsync($"/v1/tenants/{tenantId}/campaigns/c1", Json(Campaign))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await ops.PutAsync($"/v1/tenants/{tenantId}/campaigns/c2", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsync($"/v1/tenants/{tenantId}/quotas", Json("""{"campaigns":5}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await full.DeleteAsync($"/v1/tenants/{tenantId}/keys/{opsKeyId}")).StatusCode);

        var entries = await Entries(full, tenantId);
        var fullKeyId = entries.Single(e => e.GetProperty("action").GetString() == "key.create").GetProperty("keyId").GetString();
        Assert.Equal(
            [("key.revoke", opsKeyId, fullKeyId), ("quotas.put", null, null), ("campaign.put", "c1", opsKeyId), ("key.create", opsKeyId, fullKeyId)],
            entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("target").GetString(),
                e.GetProperty("keyId").GetString()!.StartsWith("admin:", StringComparison.Ordinal) ? null : e.GetProperty("keyId").GetString())).ToArray());
        Assert.StartsWith("admin:", entries[1].GetProperty("keyId").GetString(), StringComparison.Ordinal);
        Assert.All(entries, e => Assert.True(e.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5)));
    }

    [Fact]
    public async Task The_log_pages_with_a_cursor_and_another_tenant_cannot_read_it()
    {
        var (tenantId, key) = await silo.NewTenantAsync("ap");
        var (_, otherKey) = await silo.NewTenantAsync("aq");
        using var client = silo.ClientWithKey(key);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/c{i}", Json(Campaign))).StatusCode);
        }

        using var first = await client.GetAsync($"/v1/tenants/{tenantId}/audit?limit=2");
        var page = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["c4", "c3"], page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("target").GetString()));
        var rest = await Entries(client, tenantId, $"?limit=10&cursor={page.GetProperty("next").GetInt64()}");
        Assert.Equal(["c2", "c1", "c0"], rest.Select(e => e.GetProperty("target").GetString()));

        using var other = silo.ClientWithKey(otherKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync($"/v1/tenants/{tenantId}/audit")).StatusCode);
    }
}
