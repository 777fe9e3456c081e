using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>Every status code of the HTTP API, against the real silo program (Local profile).</summary>
[Collection(SiloCollection.Name)]
public sealed class ApiTests(SiloFactory silo)
{
    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://securitycoach.dev/problems/" + type, problem.GetProperty("type").GetString());
        return problem;
    }

    private static string Campaign(string hookUrl, string pattern = """{"class_uid":[2004]}""", string extra = "") => $$"""
        {"name":"Malware","pattern":{{pattern}},"riskWeight":10,"tip":{"title":"Malware stopped","body":"Don't run attachments."},
         "channels":[{"type":"webhook","url":"{{hookUrl}}","secret":"0123456789abcdef"}]{{extra}}}
        """;

    // ---- tenants ----

    [Fact]
    public async Task Creating_a_tenant_returns_201_with_a_working_key()
    {
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        var tenantId = TestIds.Tenant();
        using var response = await admin.PostAsync("/v1/tenants", Json($$"""{"tenantId":"{{tenantId}}","name":"Acme Corp"}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/v1/tenants/{tenantId}", response.Headers.Location?.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(tenantId, body.GetProperty("tenantId").GetString());
        var key = body.GetProperty("apiKey").GetString()!;
        Assert.StartsWith($"sck_{tenantId}_", key, StringComparison.Ordinal);

        using var tenant = silo.ClientWithKey(key);
        using var list = await tenant.GetAsync($"/v1/tenants/{tenantId}/campaigns");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task Creating_an_existing_tenant_is_409()
    {
        var (tenantId, _) = await silo.NewTenantAsync();
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await admin.PostAsync("/v1/tenants", Json($$"""{"tenantId":"{{tenantId}}","name":"Again"}"""));
        await AssertProblem(response, HttpStatusCode.Conflict, "tenant-exists");
    }

    [Theory]
    [InlineData("""{"tenantId":"ab","name":"x"}""", "tenantId")]
    [InlineData("""{"tenantId":"Upper-Case","name":"x"}""", "tenantId")]
    [InlineData("""{"tenantId":"has_underscore","name":"x"}""", "tenantId")]
    [InlineData("""{"tenantId":"valid-id-123","name":"  "}""", "name")]
    [InlineData("""{"tenantId":"valid-id-124"}""", "name")]
    [InlineData("""{"tenantId":5,"name":"x"}""", "tenantId")]
    [InlineData("""{"tenantId":"valid-id-125","name":"x","plan":"gold"}""", "plan")]
    public async Task An_invalid_tenant_is_422_naming_the_field(string body, string field)
    {
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await admin.PostAsync("/v1/tenants", Json(body));
        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task A_tenant_body_that_is_not_json_is_400()
    {
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await admin.PostAsync("/v1/tenants", Json("{\"tenantId\":"));
        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-json");
    }

    [Fact]
    public async Task A_tenant_body_that_is_not_application_json_is_415()
    {
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await admin.PostAsync("/v1/tenants", Json("""{"tenantId":"abc-def","name":"x"}""", "text/plain"));
        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("sck_nosuchtenant_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Creating_a_tenant_without_a_valid_key_is_401(string? key)
    {
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync("/v1/tenants", Json("""{"tenantId":"never-made","name":"x"}"""));
        await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Creating_a_tenant_with_a_tenant_key_is_403()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync("/v1/tenants", Json("""{"tenantId":"never-made-2","name":"x"}"""));
        await AssertProblem(response, HttpStatusCode.Forbidden, "forbidden");
    }

    // ---- campaigns ----

    [Fact]
    public async Task Putting_a_campaign_returns_it_with_a_version_that_moves_on_each_change()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var first = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware",
            Json(Campaign("https://hooks.example/x", extra: ""","deliveryLimit":"P1D","testMode":true""")));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stored = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("malware", stored.GetProperty("campaignId").GetString());
        Assert.Equal(2004, stored.GetProperty("pattern").GetProperty("class_uid")[0].GetInt32());
        Assert.Equal("P1D", stored.GetProperty("deliveryLimit").GetString());
        Assert.True(stored.GetProperty("testMode").GetBoolean());
        Assert.False(stored.GetProperty("channels")[0].TryGetProperty("secret", out _), "secrets are never returned");
        var v1 = stored.GetProperty("version").GetInt64();

        using var second = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(Campaign("https://hooks.example/y")));
        var v2 = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        Assert.True(v2 > v1);

        using var list = await client.GetAsync($"/v1/tenants/{tenantId}/campaigns");
        var body = await list.Content.ReadFromJsonAsync<JsonElement>();
        var only = Assert.Single(body.GetProperty("campaigns").EnumerateArray());
        Assert.Equal("https://hooks.example/y", only.GetProperty("channels")[0].GetProperty("url").GetString());
        Assert.Equal(v2, body.GetProperty("version").GetInt64());
    }

    [Theory]
    [InlineData("""{"severity_id":[{"numeric":[">",5,"<",3]}]}""", "pattern.severity_id[0].numeric")]
    [InlineData("""{"severity_id":4}""", "pattern.severity_id")]
    [InlineData("""{"src_endpoint":{"ip":[{"cidr":"10.0.0.0/99"}]}}""", "pattern.src_endpoint.ip[0].cidr")]
    [InlineData("""{"user_key":[{"no-such-operator":"x"}]}""", "pattern.user_key[0]")]
    public async Task An_invalid_pattern_is_422_naming_the_pattern_field(string pattern, string field)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/bad", Json(Campaign("https://hooks.example/x", pattern)));
        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.True(fields.Any(f => f!.StartsWith(field, StringComparison.Ordinal)), $"expected a field starting with {field}, got {string.Join(", ", fields)}");
    }

    [Theory]
    [InlineData("""[{"type":"webhook","url":"not a url","secret":"0123456789abcdef"}]""", "channels[0].url")]
    [InlineData("""[{"type":"webhook","url":"ftp://x.example/","secret":"0123456789abcdef"}]""", "channels[0].url")]
    [InlineData("""[{"type":"webhook","url":"https://x.example/","secret":"short"}]""", "channels[0].secret")]
    [InlineData("""[{"type":"pigeon","url":"https://x.example/","secret":"0123456789abcdef"}]""", "channels[0].type")]
    [InlineData("""[]""", "channels")]
    public async Task An_invalid_channel_is_422_naming_the_channel_field(string channels, string field)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var body = $$"""{"name":"x","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"t","body":"b"},"channels":{{channels}}}""";
        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/bad", Json(body));
        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);
    }

    [Fact]
    public async Task Slack_teams_and_webhook_channels_can_be_combined_and_secrets_stay_hidden()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var body = """
            {"name":"x","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"t","body":"b"},
             "channels":[{"type":"slack","url":"https://hooks.slack.com/services/T/B/X"},
                         {"type":"teams","url":"https://acme.webhook.office.com/x"},
                         {"type":"webhook","url":"https://hooks.example/x","secret":"0123456789abcdef"}]}
            """;
        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/chat", Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var channels = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channels");
        Assert.Equal(["slack", "teams", "webhook"], channels.EnumerateArray().Select(c => c.GetProperty("type").GetString()));
        Assert.DoesNotContain("0123456789abcdef", channels.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_email_channel_without_a_configured_smtp_server_is_422()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var body = """
            {"name":"x","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"t","body":"b"},
             "channels":[{"type":"email","from":"Security <security@acme.example>"}]}
            """;
        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/mail", Json(body));

        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains("SecurityCoach:Email:Host", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(""","riskWeight":1,"deliveryLimit":"one hour" """, "deliveryLimit")]
    [InlineData(""","riskWeight":1,"deliveryLimit":"-PT1H" """, "deliveryLimit")]
    [InlineData(""","riskWeight":-1 """, "riskWeight")]
    [InlineData(""","riskWeight":"high" """, "riskWeight")]
    [InlineData("", "riskWeight")]
    public async Task Invalid_campaign_settings_are_422_and_store_nothing(string settings, string field)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var body = $$"""
            {"name":"x","pattern":{"class_uid":[2004]},"tip":{"title":"t","body":"b"},
             "channels":[{"type":"webhook","url":"https://hooks.example/x","secret":"0123456789abcdef"}]{{settings}}}
            """;
        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/bad", Json(body));
        var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field);

        using var list = await client.GetAsync($"/v1/tenants/{tenantId}/campaigns");
        Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaigns").EnumerateArray());
    }

    [Fact]
    public async Task The_admin_key_may_manage_any_tenants_campaigns_but_not_a_missing_tenant()
    {
        var (tenantId, _) = await silo.NewTenantAsync();
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var ok = await admin.PutAsync($"/v1/tenants/{tenantId}/campaigns/by-admin", Json(Campaign("https://hooks.example/x")));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var missing = await admin.PutAsync("/v1/tenants/no-such-tenant/campaigns/x", Json(Campaign("https://hooks.example/x")));
        await AssertProblem(missing, HttpStatusCode.NotFound, "tenant-not-found");
    }

    // ---- isolation ----

    [Fact]
    public async Task A_tenant_key_never_reaches_another_tenant()
    {
        var (tenantA, keyA) = await silo.NewTenantAsync();
        var (tenantB, keyB) = await silo.NewTenantAsync();
        using var b = silo.ClientWithKey(keyB);
        using var put = await b.PutAsync($"/v1/tenants/{tenantB}/campaigns/mine", Json(Campaign("https://hooks.example/x")));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        using var a = silo.ClientWithKey(keyA);
        await AssertProblem(await a.GetAsync($"/v1/tenants/{tenantB}/campaigns"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await a.PutAsync($"/v1/tenants/{tenantB}/campaigns/mine", Json(Campaign("https://attacker.example/"))), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblem(await a.GetAsync($"/v1/tenants/{tenantB}/users/jdoe@example.com"), HttpStatusCode.Forbidden, "forbidden");

        // B's campaign is untouched by A's attempt.
        using var list = await b.GetAsync($"/v1/tenants/{tenantB}/campaigns");
        var campaign = Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaigns").EnumerateArray());
        Assert.Equal("https://hooks.example/x", campaign.GetProperty("channels")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task Ingested_events_belong_to_the_keys_tenant_whatever_the_body_says()
    {
        var (tenantA, keyA) = await silo.NewTenantAsync();
        var (tenantB, keyB) = await silo.NewTenantAsync();
        using var a = silo.ClientWithKey(keyA);
        using var response = await a.PostAsync("/v1/ingest/zscaler", Json(VendorSamples.ZscalerWeb("mallory@example.com", "rec-iso", tenantClaim: tenantB)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        await Eventually.Until(async () => (await a.GetAsync($"/v1/tenants/{tenantA}/users/mallory@example.com")).StatusCode,
            s => s == HttpStatusCode.OK, "event reached tenant A's user");
        using var b = silo.ClientWithKey(keyB);
        await AssertProblem(await b.GetAsync($"/v1/tenants/{tenantB}/users/mallory@example.com"), HttpStatusCode.NotFound, "user-not-found");
    }

    // ---- ingest ----

    [Fact]
    public async Task Ingest_accepts_an_object_an_array_and_ndjson()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var one = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:1")));
        Assert.Equal(HttpStatusCode.Accepted, one.StatusCode);
        var oneBody = await one.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, oneBody.GetProperty("accepted").GetInt32());
        Assert.Single(oneBody.GetProperty("eventIds").EnumerateArray());

        using var array = await client.PostAsync("/v1/ingest/netskope",
            Json($"[{VendorSamples.NetskopeAlert("a@example.com", "n1")},{VendorSamples.NetskopeAlert("b@example.com", "n2")}]"));
        var arrayBody = await array.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Accepted, array.StatusCode);
        Assert.Equal(2, arrayBody.GetProperty("accepted").GetInt32());

        var ndjson = string.Join("\n", VendorSamples.ZscalerWeb("c@example.com", "z1").ReplaceLineEndings(" "), "", VendorSamples.ZscalerWeb("d@example.com", "z2").ReplaceLineEndings(" ")) + "\n";
        using var lines = await client.PostAsync("/v1/ingest/ZScaler", Json(ndjson, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Accepted, lines.StatusCode);
        Assert.Equal(2, (await lines.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Events_that_cannot_be_normalized_are_listed_as_rejected_and_the_rest_accepted()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var noUser = """{"_id":"n-nouser","alert_type":"malware","alert_name":"x","timestamp":1767225600}""";
        using var response = await client.PostAsync("/v1/ingest/netskope",
            Json($"[{noUser}, 42, {VendorSamples.NetskopeAlert("ok@example.com", "n-ok")}]"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var rejected = body.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal([0, 1], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Contains("user", rejected[0].GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["n-ok"], body.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()));

        await Eventually.Until(async () => (await client.GetAsync($"/v1/tenants/{tenantId}/users/ok@example.com")).StatusCode,
            s => s == HttpStatusCode.OK, "accepted event reached its user");
    }

    [Fact]
    public async Task A_user_key_over_1024_bytes_is_refused_not_accepted_and_lost()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        // 3 KB: it would be answered 202 and then never fit a storage key (DynamoDB's are at most 2,048 bytes).
        var longAddress = new string('a', 3 * 1024) + "@example.com";
        using (var alone = await client.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert(longAddress, "n-long"))))
        {
            var problem = await AssertProblem(alone, HttpStatusCode.UnprocessableEntity, "no-valid-events");
            var rejected = Assert.Single(problem.GetProperty("rejected").EnumerateArray());
            Assert.StartsWith("user-key-too-long:", rejected.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains("1024", rejected.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        // Multi-byte characters count as their UTF-8 bytes; an identity for the mapping is held to the same limit.
        var longName = "CORP\\\\" + new string('é', 600);
        using var mixed = await client.PostAsync("/v1/ingest/netskope", Json(
            $"[{VendorSamples.NetskopeAlert(longAddress, "n-long-2")},{VendorSamples.NetskopeAlert(longName, "n-long-3")},{VendorSamples.NetskopeAlert("short@example.com", "n-short")}]"));
        Assert.Equal(HttpStatusCode.Accepted, mixed.StatusCode);
        var body = await mixed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["n-short"], body.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0, 1], body.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(0, body.GetProperty("unmapped").GetInt32());

        await Eventually.Until(async () => (await client.GetAsync($"/v1/tenants/{tenantId}/users/short@example.com")).StatusCode,
            s => s == HttpStatusCode.OK, "the short user's event reached its user");
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/unmapped")).GetProperty("events").GetInt64());
        // No route asks a grain, or storage, about a key no user can have.
        foreach (var request in new[] { HttpMethod.Get, HttpMethod.Delete }.Select(m => new HttpRequestMessage(m, $"/v1/tenants/{tenantId}/users/{longAddress}"))
                     .Append(new HttpRequestMessage(HttpMethod.Get, $"/v1/tenants/{tenantId}/users/{longAddress}/preferences")))
        {
            using var response = await client.SendAsync(request);
            var problem = await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "validation");
            Assert.Equal("userKey", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        }
    }

    [Theory]
    [InlineData("application/json", "{\"metadata\":")]
    [InlineData("application/json", "\"just a string\"")]
    [InlineData("application/x-ndjson", "{\"ok\":1}\n{broken\n")]
    public async Task An_unparseable_body_is_400_and_publishes_nothing(string mediaType, string body)
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(body, mediaType));
        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-json");
    }

    [Fact]
    public async Task An_unknown_vendor_is_404()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync("/v1/ingest/acme-edr", Json("{}"));
        var problem = await AssertProblem(response, HttpStatusCode.NotFound, "unknown-vendor");
        Assert.Contains("crowdstrike", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sck_nosuchtenant_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Ingest_without_a_valid_key_is_401(string? key)
    {
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:x")));
        await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_revealed_key_prefix_with_a_wrong_secret_is_401()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key[..^4] + "AAAA");
        using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:y")));
        await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Ingest_with_the_admin_key_is_403_because_events_need_a_tenant()
    {
        using var client = silo.ClientWithKey(SiloFactory.AdminKey);
        using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:z")));
        await AssertProblem(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var big = OverTheLimit();
        Assert.True(Encoding.UTF8.GetByteCount(big) > SiloFactory.MaxIngestBodyBytes);

        using var response = await client.PostAsync("/v1/ingest/netskope", Json(big));
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "body-too-large");
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var big = Encoding.UTF8.GetBytes(OverTheLimit());
        using var content = new StreamContent(new MemoryStream(big));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ingest/netskope") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "body-too-large");
    }

    /// <summary>A valid batch a few events larger than the configured limit.</summary>
    private static string OverTheLimit()
    {
        var sample = VendorSamples.NetskopeAlert("big@example.com", "x");
        return "[" + string.Join(",", Enumerable.Repeat(sample, (SiloFactory.MaxIngestBodyBytes / sample.Length) + 10)) + "]";
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data")]
    public async Task Ingest_of_another_content_type_is_415(string mediaType)
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:t"), mediaType));
        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    // ---- users ----

    [Fact]
    public async Task A_user_never_seen_is_404()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        await AssertProblem(await client.GetAsync($"/v1/tenants/{tenantId}/users/nobody@example.com"), HttpStatusCode.NotFound, "user-not-found");
    }

    // ---- host ----

    [Fact]
    public async Task Healthz_is_200_once_the_silo_is_active_and_names_no_address()
    {
        using var client = silo.CreateClient();
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var health = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Active", health.GetProperty("status").GetString());
        Assert.Equal(["status", "detail"], health.EnumerateObject().Select(p => p.Name));

        // Anyone may ask, so it must not map the cluster for them.
        var address = silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Assert.DoesNotContain(address.Endpoint.Address.ToString(), body, StringComparison.Ordinal);
        Assert.DoesNotContain(address.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_lists_the_endpoints()
    {
        using var client = silo.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paths");
        foreach (var path in new[] { "/v1/tenants", "/v1/tenants/{tenantId}/campaigns/{campaignId}", "/v1/tenants/{tenantId}/campaigns", "/v1/ingest/{vendor}", "/v1/tenants/{tenantId}/users/{userKey}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");
        }
    }

    [Fact]
    public async Task The_dashboard_needs_the_admin_key()
    {
        using var anonymous = silo.CreateClient();
        using var denied = await anonymous.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("Basic", denied.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var browser = silo.CreateClient();
        browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + SiloFactory.AdminKey)));
        using var page = await browser.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }
}

public static class TestIds
{
    public static string Tenant() => "t-" + Guid.NewGuid().ToString("N")[..20];
}
