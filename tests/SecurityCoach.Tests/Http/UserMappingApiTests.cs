using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary><c>PUT/GET /v1/tenants/{t}/aliases</c> and <c>GET …/unmapped</c>: formats, validation, access.</summary>
[Collection(SiloCollection.Name)]
public sealed class UserMappingApiTests(SiloFactory silo)
{
    private static StringContent Body(string text, string mediaType = "application/json") => new(text, Encoding.UTF8, mediaType);

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/" + type, problem.GetProperty("type").GetString());
        return problem;
    }

    private static string[] ErrorFields(JsonElement problem) =>
        [.. problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!)];

    private static (string Identity, string User)[] Aliases(JsonElement table) =>
        [.. table.GetProperty("aliases").EnumerateArray().Select(a => (a.GetProperty("identity").GetString()!, a.GetProperty("user").GetString()!))];

    [Fact]
    public async Task A_json_put_replaces_the_table_and_get_lists_it()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using (var empty = await client.GetAsync($"/v1/tenants/{tenantId}/aliases"))
        {
            var table = await empty.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(0, table.GetProperty("version").GetInt64());
            Assert.Empty(Aliases(table));
            Assert.Equal(JsonValueKind.Null, table.GetProperty("domain").ValueKind);
        }

        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("""
            {"aliases":[{"identity":" CORP\\jdoe ","user":"John.Doe@Example.com"},{"identity":"LAPTOP-17","user":"jdoe@example.com"}],
             "domain":"Example.com"}
            """)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var stored = await put.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, stored.GetProperty("version").GetInt64());
            Assert.Equal("example.com", stored.GetProperty("domain").GetString());
            Assert.Equal([(@"CORP\jdoe", "john.doe@example.com"), ("LAPTOP-17", "jdoe@example.com")], Aliases(stored));
            Assert.Equal(0, stored.GetProperty("replayed").GetProperty("events").GetInt32());
        }

        using (var replace = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("""{"aliases":[{"identity":"asmith","user":"a.smith@example.com"}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
        }

        var listed = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/aliases");
        Assert.Equal(2, listed.GetProperty("version").GetInt64());
        Assert.Equal([("asmith", "a.smith@example.com")], Aliases(listed));
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("domain").ValueKind);
        Assert.False(listed.TryGetProperty("replayed", out _));
    }

    [Fact]
    public async Task A_csv_put_replaces_the_aliases_keeps_the_domain_and_reads_back_as_csv()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using (var json = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("""{"aliases":[{"identity":"old","user":"old@example.com"}],"domain":"example.com"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        }

        using (var csv = await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            Body("identity,user\r\nCORP\\jdoe,jdoe@example.com\r\n\"S-1-5-21-1004336348-1177238915-682003330-1013\",asmith@example.com\r\n", "text/csv")))
        {
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        }

        var table = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/aliases");
        Assert.Equal("example.com", table.GetProperty("domain").GetString());
        Assert.Equal([(@"CORP\jdoe", "jdoe@example.com"), ("S-1-5-21-1004336348-1177238915-682003330-1013", "asmith@example.com")], Aliases(table));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/tenants/{tenantId}/aliases");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var asCsv = await client.SendAsync(request);
        Assert.Equal("text/csv", asCsv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("identity,user\r\nCORP\\jdoe,jdoe@example.com\r\nS-1-5-21-1004336348-1177238915-682003330-1013,asmith@example.com\r\n",
            await asCsv.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_csv_export_neutralises_formulas_and_imports_back_to_the_same_table()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("""
            {"aliases":[{"identity":"=HYPERLINK(\"https://evil.example\",\"x\")","user":"jdoe@example.com"},
                        {"identity":"+1","user":"-2+3@example.com"},{"identity":"-cmd","user":"a@example.com"},
                        {"identity":"'=quoted","user":"b@example.com"},{"identity":"plain","user":"c@example.com"}]}
            """)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/tenants/{tenantId}/aliases");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var asCsv = await client.SendAsync(request);
        var exported = await asCsv.Content.ReadAsStringAsync();
        Assert.Equal(
            "identity,user\r\n" +
            "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\",jdoe@example.com\r\n" +
            "\"'+1\",\"'-2+3@example.com\"\r\n" +
            "\"'-cmd\",a@example.com\r\n" +
            "\"''=quoted\",b@example.com\r\n" +
            "plain,c@example.com\r\n",
            exported);

        using (var reimport = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body(exported, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.OK, reimport.StatusCode);
        }

        var table = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/aliases");
        Assert.Equal(
            [("=HYPERLINK(\"https://evil.example\",\"x\")", "jdoe@example.com"), ("+1", "-2+3@example.com"), ("-cmd", "a@example.com"),
             ("'=quoted", "b@example.com"), ("plain", "c@example.com")],
            Aliases(table));
    }

    [Fact]
    public async Task An_invalid_json_table_is_422_naming_every_error_and_changes_nothing()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("""
            {"aliases":[{"identity":"CORP\\jdoe","user":"jdoe@example.com"},{"identity":"corp\\JDOE","user":"jdoe"},
                        {"identity":"","user":"x@example.com"},{"identity":"jdoe@corp.example","user":"jdoe@example.com"},null],
             "domain":"@example.com"}
            """));

        var problem = await AssertProblem(put, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(
            ["aliases[1].identity", "aliases[1].user", "aliases[2].identity", "aliases[3].identity", "aliases[4].identity", "aliases[4].user", "domain"],
            ErrorFields(problem));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/aliases")).GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("""{"domain":"example.com"}""", "aliases")]
    [InlineData("""{"aliases":[],"domian":"example.com"}""", "domian")]
    [InlineData("""{"aliases":[{"identity":"jdoe","user":"jdoe@example.com","note":"x"}]}""", "aliases[0].note")]
    public async Task A_missing_or_unknown_json_field_is_422(string body, string field)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var problem = await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body(body)), HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains(field, ErrorFields(problem));
    }

    [Fact]
    public async Task An_invalid_csv_table_is_422_naming_lines()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            Body("identity,user\njdoe,jdoe@example.com\n\nJDOE,other@example.com\nasmith,not-an-address\nbsmith\n", "text/csv"));

        var problem = await AssertProblem(put, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["line 6", "line 4.identity", "line 5.user"], ErrorFields(problem));
        Assert.Contains("line 2.identity", problem.GetProperty("errors")[1].GetProperty("problem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identities_and_users_too_long_for_a_key_are_422_in_json_and_csv_and_change_nothing()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var longIdentity = "CORP\\" + new string('a', 300);
        var longUser = new string('u', 3 * 1024) + "@example.com";

        var json = await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            Body($$"""{"aliases":[{"identity":"{{longIdentity.Replace("\\", "\\\\", StringComparison.Ordinal)}}","user":"a@example.com"},{"identity":"jdoe","user":"{{longUser}}"}]}""")),
            HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["aliases[0].identity", "aliases[1].user"], ErrorFields(json));

        var csv = await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            Body($"identity,user\n{longIdentity},a@example.com\njdoe,{longUser}\n", "text/csv")),
            HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["line 2.identity", "line 3.user"], ErrorFields(csv));
        // The problem quotes no 3 KB value back.
        Assert.True(csv.GetRawText().Length < 2048, csv.GetRawText());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/aliases")).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_csv_table_without_its_header_is_422()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var problem = await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("jdoe,jdoe@example.com\n", "text/csv")),
            HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Equal(["line 1"], ErrorFields(problem));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public async Task Other_content_types_are_415(string mediaType)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        await AssertProblem(await client.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("identity,user\n", mediaType)),
            HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task Another_tenants_key_is_403_and_no_key_401_on_every_mapping_endpoint()
    {
        var (tenantA, keyA) = await silo.NewTenantAsync();
        var (tenantB, _) = await silo.NewTenantAsync();
        using var a = silo.ClientWithKey(keyA);
        using var anonymous = silo.ClientWithKey(null);

        await AssertProblem(await a.PutAsync($"/v1/tenants/{tenantB}/aliases", Body("""{"aliases":[]}""")), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await a.GetAsync($"/v1/tenants/{tenantB}/aliases"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await a.GetAsync($"/v1/tenants/{tenantB}/unmapped"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await anonymous.GetAsync($"/v1/tenants/{tenantA}/aliases"), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblem(await anonymous.GetAsync($"/v1/tenants/{tenantA}/unmapped"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task The_admin_key_reaches_any_tenant_and_an_unknown_tenant_is_404()
    {
        var (tenantId, _) = await silo.NewTenantAsync();
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using (var put = await admin.PutAsync($"/v1/tenants/{tenantId}/aliases", Body("""{"aliases":[],"domain":"example.com"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await AssertProblem(await admin.PutAsync($"/v1/tenants/{TestIds.Tenant()}/aliases", Body("""{"aliases":[]}""")), HttpStatusCode.NotFound, "tenant-not-found");
        await AssertProblem(await admin.GetAsync($"/v1/tenants/{TestIds.Tenant()}/unmapped"), HttpStatusCode.NotFound, "tenant-not-found");
    }
}
