using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// The stored-things quotas over HTTP, one row each: up to the quota the operator set is stored, one more is 409
/// <c>quota-exceeded</c> naming the quota and its limit and stores nothing; the coaching quotas are
/// <see cref="CoachingQuotaTests"/>.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class QuotaMatrixTests(SiloFactory silo)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private const string Campaign = """
        {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware."},
         "channels":[{"type":"webhook","url":"https://hooks.example/x","secret":"quota-matrix-secret-1"}]}
        """;

    private const string Workflow = """
        { "StartAt": "Record", "States": { "Record": { "Type": "Task", "Resource": "coach:record", "Parameters": { "status": "Delivered" }, "End": true } } }
        """;

    private static string Aliases(int rows) =>
        $$"""{"aliases":[{{string.Join(",", Enumerable.Range(0, rows).Select(i => $$"""{"identity":"CORP\\user{{i}}","user":"user{{i}}@example.com"}"""))}}]}""";

    /// <summary>The quota's field, its limit here, and the write of item n (0-based) of its kind.</summary>
    public static TheoryData<string, int> Quotas => new() { { "campaigns", 2 }, { "workflows", 2 }, { "apiKeys", 2 }, { "aliasRows", 2 } };

    private static Task<HttpResponseMessage> Write(HttpClient client, string tenantId, string quota, int n) => quota switch
    {
        "campaigns" => client.PutAsync($"/v1/tenants/{tenantId}/campaigns/c{n}", Json(Campaign)),
        "workflows" => client.PutAsync($"/v1/tenants/{tenantId}/workflows/w{n}", Json(Workflow)),
        // The tenant's first key counts: the limit is reached one key earlier.
        "apiKeys" => client.PostAsync($"/v1/tenants/{tenantId}/keys", Json($$"""{"name":"k{{n}}","scopes":["ingest"]}""")),
        _ => client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json(Aliases(n + 1))),
    };

    [Theory]
    [MemberData(nameof(Quotas))]
    public async Task Up_to_the_quota_is_stored_and_one_more_is_409_naming_it(string quota, int limit)
    {
        var (tenantId, key) = await silo.NewTenantAsync("qm");
        using var client = silo.ClientWithKey(key);
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using (var set = await admin.PutAsync($"/v1/tenants/{tenantId}/quotas", Json($$"""{"{{quota}}":{{limit}}}""")))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            Assert.Equal(limit, (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty(quota).GetInt32());
        }

        var allowed = quota == "apiKeys" ? limit - 1 : limit;
        for (var n = 0; n < allowed; n++)
        {
            using var ok = await Write(client, tenantId, quota, n);
            Assert.True(ok.IsSuccessStatusCode, $"{quota} #{n}: {(int)ok.StatusCode} {await ok.Content.ReadAsStringAsync()}");
        }

        using var over = await Write(client, tenantId, quota, allowed);

        var problem = await over.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(over.StatusCode == HttpStatusCode.Conflict, $"{quota}: {(int)over.StatusCode} {problem}");
        Assert.EndsWith("/quota-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal(quota, problem.GetProperty("quota").GetString());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task The_alias_table_keeps_its_rows_when_a_larger_one_is_refused_and_quotas_out_of_range_are_422()
    {
        var (tenantId, key) = await silo.NewTenantAsync("qa");
        using var client = silo.ClientWithKey(key);
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v1/tenants/{tenantId}/quotas", Json("""{"aliasRows":1}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json(Aliases(1)))).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Json(Aliases(3)))).StatusCode);

        Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/aliases")).GetProperty("aliases").EnumerateArray());
        foreach (var body in new[] { """{"aliasRows":-1}""", """{"aliasRows":100001}""", """{"campaigns":-1}""" })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.PutAsync($"/v1/tenants/{tenantId}/quotas", Json(body))).StatusCode);
        }
    }
}
