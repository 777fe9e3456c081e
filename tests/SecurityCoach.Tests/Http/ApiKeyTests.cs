using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>Several keys per tenant, listed without their secrets, revocable at once.</summary>
[Collection(SiloCollection.Name)]
public sealed class ApiKeyTests(SiloFactory silo)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonElement> NewKey(HttpClient client, string tenantId, string name)
    {
        using var response = await client.PostAsync($"/v1/tenants/{tenantId}/keys", Json($$"""{"name":"{{name}}"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_second_key_works_and_the_list_shows_ids_names_and_last_use_but_no_secret()
    {
        var (tenantId, first) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(first);

        var created = await NewKey(client, tenantId, "zscaler forwarder");
        var second = created.GetProperty("apiKey").GetString()!;
        Assert.StartsWith($"sck_{tenantId}_", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);

        using var withSecond = silo.ClientWithKey(second);
        Assert.Equal(HttpStatusCode.OK, (await withSecond.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);

        using var list = await client.GetAsync($"/v1/tenants/{tenantId}/keys");
        var raw = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(second, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(first, raw, StringComparison.Ordinal);
        var keys = JsonDocument.Parse(raw).RootElement.EnumerateArray().ToList();
        Assert.Equal(["initial", "zscaler forwarder"], keys.Select(k => k.GetProperty("name").GetString()));
        var secondInfo = keys.Single(k => k.GetProperty("keyId").GetString() == created.GetProperty("keyId").GetString());
        Assert.Equal(JsonValueKind.String, secondInfo.GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_and_the_others_keep_working()
    {
        var (tenantId, first) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(first);
        var created = await NewKey(client, tenantId, "to revoke");
        using var revokedClient = silo.ClientWithKey(created.GetProperty("apiKey").GetString());
        Assert.Equal(HttpStatusCode.OK, (await revokedClient.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);

        using var revoke = await client.DeleteAsync($"/v1/tenants/{tenantId}/keys/{created.GetProperty("keyId").GetString()}");

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await revokedClient.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
        using var again = await client.DeleteAsync($"/v1/tenants/{tenantId}/keys/{created.GetProperty("keyId").GetString()}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Keys_of_another_tenant_cannot_be_listed_added_or_revoked()
    {
        var (tenantA, keyA) = await silo.NewTenantAsync();
        var (tenantB, keyB) = await silo.NewTenantAsync();
        using var b = silo.ClientWithKey(keyB);
        var bKeyId = (await (await b.GetAsync($"/v1/tenants/{tenantB}/keys")).Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("keyId").GetString();

        using var a = silo.ClientWithKey(keyA);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync($"/v1/tenants/{tenantB}/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.PostAsync($"/v1/tenants/{tenantB}/keys", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.DeleteAsync($"/v1/tenants/{tenantB}/keys/{bKeyId}")).StatusCode);
        // Naming B's key id under A's own tenant finds nothing either.
        Assert.Equal(HttpStatusCode.NotFound, (await a.DeleteAsync($"/v1/tenants/{tenantA}/keys/{bKeyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync($"/v1/tenants/{tenantB}/campaigns")).StatusCode);
    }

    [Fact]
    public async Task A_key_can_be_created_without_a_body_and_by_the_admin()
    {
        var (tenantId, _) = await silo.NewTenantAsync();
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await admin.PostAsync($"/v1/tenants/{tenantId}/keys", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("unnamed", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());

        using var missing = await admin.PostAsync("/v1/tenants/no-such-tenant/keys", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
