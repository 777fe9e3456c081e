using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>
/// Bad input against the real silo: each case gets its documented 4xx as a problem with a stable <c>type</c>, the
/// user named in the body never appears, and the service stays healthy.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class BadInputCorpusTests(SiloFactory silo)
{
    private const string ProblemBase = "https://securitycoach.dev/problems/";

    /// <summary>Which key a case sends.</summary>
    public enum Key
    {
        Own,
        None,
        Invalid,
        Revoked,
        Admin,
        OtherTenant,
    }

    /// <summary>
    /// One request. <see cref="Path"/> may hold <c>{tenant}</c> (the case's own tenant). <see cref="User"/> is the
    /// user the body names, who must stay unknown.
    /// </summary>
    public sealed record Case(string Name, string Method, string Path, string? ContentType, byte[] Body, Key Key,
        HttpStatusCode Status, string Type, string? User);

    private const int MaxString = 128 * 1024;

    private static string UserOf(string name) => $"bad-{name}@corpus.example";

    private static string Alert(string user) =>
        $$"""{"composite_id":"cid:{{user}}","user_name":"{{user}}","display_name":"Malware","severity":70}""";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static string Nested(int depth, string inner) =>
        string.Concat(Enumerable.Repeat("{\"n\":", depth)) + inner + new string('}', depth);

    private static Case Json(string name, string body, HttpStatusCode status, string type, string vendor = "crowdstrike") =>
        new(name, "POST", $"/v1/ingest/{vendor}", "application/json", Utf8(body), Key.Own, status, type, UserOf(name));

    private static Case Ndjson(string name, string body, HttpStatusCode status, string type, string vendor = "crowdstrike") =>
        new(name, "POST", $"/v1/ingest/{vendor}", "application/x-ndjson", Utf8(body), Key.Own, status, type, UserOf(name));

    private static Case Bytes(string name, string contentType, byte[] body, HttpStatusCode status, string type, string vendor = "crowdstrike") =>
        new(name, "POST", $"/v1/ingest/{vendor}", contentType, body, Key.Own, status, type, UserOf(name));

    private static Case WithKey(string name, Key key, HttpStatusCode status, string type) =>
        new(name, "POST", "/v1/ingest/crowdstrike", "application/json", Utf8(Alert(UserOf(name))), key, status, type, UserOf(name));

    public static IReadOnlyDictionary<string, Case> All { get; } = Build();

    private static Dictionary<string, Case> Build()
    {
        const HttpStatusCode bad = HttpStatusCode.BadRequest;
        const HttpStatusCode unprocessable = HttpStatusCode.UnprocessableEntity;
        const HttpStatusCode tooLarge = HttpStatusCode.RequestEntityTooLarge;
        const HttpStatusCode media = HttpStatusCode.UnsupportedMediaType;
        var u = UserOf;
        Case[] cases =
        [
            // Not JSON.
            Json("unclosed-object", $$$"""{"composite_id":"x","user_name":"{{{u("unclosed-object")}}}" """, bad, "malformed-json"),
            Json("trailing-garbage", Alert(u("trailing-garbage")) + " trailing", bad, "malformed-json"),
            Json("single-quotes", $"{{'user_name':'{u("single-quotes")}'}}", bad, "malformed-json"),
            Json("trailing-comma", $"[{Alert(u("trailing-comma"))},]", bad, "malformed-json"),
            Json("comment", $"/* hi */ {Alert(u("comment"))}", bad, "malformed-json"),
            Json("nan-literal", Alert(u("nan-literal"))[..^1] + ",\"severity2\":NaN}", bad, "malformed-json"),
            Json("two-objects-without-array", Alert(u("two-objects-without-array")) + Alert(u("two-objects-without-array")), bad, "malformed-json"),
            Json("raw-control-character", Alert(u("raw-control-character"))[..^1] + ",\"x\":\"a\u0001b\"}", bad, "malformed-json"),
            Json("bom-in-the-middle", $"[{Alert(u("bom-in-the-middle"))},\uFEFF{Alert(u("bom-in-the-middle"))}]", bad, "malformed-json"),
            Json("null-body", "null", bad, "malformed-json"),
            Json("true-body", "true", bad, "malformed-json"),
            Json("number-body", "12345", bad, "malformed-json"),
            Json("string-body", $"\"{u("string-body")}\"", bad, "malformed-json"),
            Bytes("utf16-json-declared-as-json", "application/json; charset=utf-16", Encoding.Unicode.GetBytes(Alert(u("utf16-json-declared-as-json"))), bad, "malformed-json"),

            // Truncated NDJSON: the whole body is refused, so even the complete first line is not published.
            Ndjson("truncated-ndjson", Alert(u("truncated-ndjson")) + "\n" + Alert(u("truncated-ndjson"))[..20], bad, "malformed-json"),
            Ndjson("ndjson-line-with-two-values", Alert(u("ndjson-line-with-two-values")) + " {}\n", bad, "malformed-json"),
            Ndjson("ndjson-truncated-array", $"[{Alert(u("ndjson-truncated-array"))}", bad, "malformed-json"),

            // Empty.
            Json("empty-json", "", bad, "empty-body"),
            Json("whitespace-json", " \r\n\t ", bad, "empty-body"),
            Ndjson("empty-ndjson", "\n\n", bad, "empty-body"),
            Bytes("empty-text", "text/plain", [], bad, "empty-body", "paloalto"),
            Bytes("bom-only", "application/json", [0xEF, 0xBB, 0xBF], bad, "empty-body"),

            // Nesting past the parser's limit (64).
            Json("deep-arrays", new string('[', 100) + new string(']', 100), bad, "json-too-deep"),
            Json("deep-objects", Nested(80, "1"), bad, "json-too-deep"),
            Json("deep-field-in-a-valid-event", Alert(u("deep-field-in-a-valid-event"))[..^1] + ",\"x\":" + Nested(70, "1") + "}", bad, "json-too-deep"),
            Ndjson("deep-ndjson-line", Alert(u("deep-ndjson-line")) + "\n" + new string('[', 65) + new string(']', 65), bad, "json-too-deep"),
            Json("deep-unclosed", $"[{Alert(u("deep-unclosed"))}," + new string('[', 200), bad, "json-too-deep"),

            // Size: the body limit (256 KiB in tests) and the string limit (128 KiB).
            Json("huge-string-over-body-limit", Alert(u("huge-string-over-body-limit"))[..^1] + $",\"x\":\"{new string('a', 300 * 1024)}\"}}", tooLarge, "body-too-large"),
            Json("long-string-under-body-limit", Alert(u("long-string-under-body-limit"))[..^1] + $",\"x\":\"{new string('a', MaxString + 1)}\"}}", bad, "string-too-long"),
            Json("long-property-name", Alert(u("long-property-name"))[..^1] + $",\"{new string('k', MaxString + 1)}\":1}}", bad, "string-too-long"),
            Json("long-escaped-string", Alert(u("long-escaped-string"))[..^1] + $",\"x\":\"{string.Concat(Enumerable.Repeat("\\u0041", (MaxString / 6) + 1))}\"}}", bad, "string-too-long"),
            Bytes("long-log-line", "text/plain", Utf8(u("long-log-line") + "," + new string('x', MaxString + 1)), bad, "string-too-long", "paloalto"),

            // Not UTF-8.
            Bytes("invalid-byte-ff", "application/json", Concat(Utf8(Alert(u("invalid-byte-ff"))[..^1] + ",\"x\":\""), [0xFF], Utf8("\"}")), bad, "invalid-utf8"),
            Bytes("overlong-encoding", "application/json", Concat(Utf8(Alert(u("overlong-encoding"))[..^1] + ",\"x\":\""), [0xC0, 0xAF], Utf8("\"}")), bad, "invalid-utf8"),
            Bytes("encoded-surrogate", "application/json", Concat(Utf8(Alert(u("encoded-surrogate"))[..^1] + ",\"x\":\""), [0xED, 0xA0, 0x80], Utf8("\"}")), bad, "invalid-utf8"),
            Bytes("truncated-multibyte", "application/json", Concat(Utf8(Alert(u("truncated-multibyte"))[..^1] + ",\"x\":\""), [0xE2, 0x82], Utf8("\"}")), bad, "invalid-utf8"),
            Bytes("latin1-in-log-line", "text/plain", Concat(Utf8("<14>Jan  5 14:30:12 fw1 1,2026/01/05 14:30:12,0132,THREAT,url,2561,2026/01/05 14:30:12,10.0.0.1,1.1.1.1,,,rule,"), Utf8(u("latin1-in-log-line")), [0xE9]), bad, "invalid-utf8", "paloalto"),
            Bytes("utf16-bom", "application/json", Concat([0xFF, 0xFE], Encoding.Unicode.GetBytes(Alert(u("utf16-bom")))), bad, "invalid-utf8"),

            Json("escaped-lone-surrogate", "{\"composite_id\":\"cid:x\",\"user_name\":\"" + u("escaped-lone-surrogate") + "\\ud800\"}", bad, "invalid-utf8"),
            Json("escaped-lone-surrogate-in-key", "{\"composite_id\":\"cid:x\",\"user_name\":\"" + u("escaped-lone-surrogate-in-key") + "\",\"\\udc00\":1}", bad, "invalid-utf8"),

            // Duplicate property names.
            Json("duplicate-key", Alert(u("duplicate-key"))[..^1] + $",\"user_name\":\"{u("duplicate-key")}-2\"}}", bad, "duplicate-key"),
            Json("duplicate-nested-key", Alert(u("duplicate-nested-key"))[..^1] + ",\"device\":{\"hostname\":\"a\",\"hostname\":\"b\"}}", bad, "duplicate-key"),
            Json("duplicate-escaped-key", Alert(u("duplicate-escaped-key"))[..^1] + ",\"tenant_id\":\"a\",\"tenant\\u005fid\":\"b\"}", bad, "duplicate-key"),
            Json("duplicate-key-ocsf", $$$"""{"class_uid":2004,"time":1768550400000,"actor":{"user":{"email_addr":"{{{u("duplicate-key-ocsf")}}}"}},"user_key":"a","user_key":"b"}""", bad, "duplicate-key", "ocsf"),

            // Too many records (limit 10,000).
            Json("huge-array", "[" + string.Join(",", Enumerable.Repeat("{}", 10_001)) + "]", tooLarge, "too-many-events"),
            Json("huge-array-of-numbers", "[" + string.Join(",", Enumerable.Repeat("1", 20_000)) + "]", tooLarge, "too-many-events"),
            Json("huge-envelope", "{\"value\":[" + string.Join(",", Enumerable.Repeat("{}", 10_001)) + "]}", tooLarge, "too-many-events", "defender"),
            Ndjson("huge-ndjson", string.Join("\n", Enumerable.Repeat("{}", 10_001)), tooLarge, "too-many-events"),
            Bytes("huge-text", "text/plain", Utf8(string.Join("\n", Enumerable.Repeat("x,y", 10_001))), tooLarge, "too-many-events", "paloalto"),

            // Parsed, but no record is usable: 422 naming each.
            Json("missing-user", """{"composite_id":"cid:missing-user","display_name":"Malware"}""", unprocessable, "no-valid-events"),
            Json("missing-user-okta", """{"uuid":"u1","published":"2026-01-05T10:00:00Z","eventType":"user.session.start","actor":{"type":"User"}}""", unprocessable, "no-valid-events", "okta"),
            Json("wrong-types", $$$"""{"composite_id":7,"user_name":{"name":"{{{u("wrong-types")}}}"},"severity":"high"}""", unprocessable, "no-valid-events"),
            Json("array-of-numbers", "[1,2,3]", unprocessable, "no-valid-events"),
            Json("array-of-nulls", "[null,null]", unprocessable, "no-valid-events"),
            Json("ocsf-class-as-string", $$$$"""{"class_uid":"2004","time":1768550400000,"actor":{"user":{"email_addr":"{{{{u("ocsf-class-as-string")}}}}"}}}""", unprocessable, "no-valid-events", "ocsf"),
            Json("ocsf-unknown-class", $$$$"""{"class_uid":9999,"time":1768550400000,"actor":{"user":{"email_addr":"{{{{u("ocsf-unknown-class")}}}}"}}}""", unprocessable, "no-valid-events", "ocsf"),
            Json("ocsf-huge-number-time", $$$$"""{"class_uid":2004,"time":1e400,"actor":{"user":{"email_addr":"{{{{u("ocsf-huge-number-time")}}}}"}}}""", unprocessable, "no-valid-events", "ocsf"),
            Json("ocsf-huge-class", $$$$"""{"class_uid":99999999999999999999999,"time":1768550400000,"actor":{"user":{"email_addr":"{{{{u("ocsf-huge-class")}}}}"}}}""", unprocessable, "no-valid-events", "ocsf"),
            Json("object-for-line-vendor", $$$"""{"message":"{{{u("object-for-line-vendor")}}}"}""", unprocessable, "no-valid-events", "paloalto"),
            Bytes("unknown-log-line", "text/csv", Utf8($"not,a,firewall,line,{u("unknown-log-line")}"), unprocessable, "no-valid-events", "umbrella"),
            Json("wrong-envelope-member-type", $$$"""{"value":{"id":"x","userPrincipalName":"{{{u("wrong-envelope-member-type")}}}"}}""", unprocessable, "no-valid-events", "defender"),

            // Routing.
            Json("unknown-vendor", Alert(u("unknown-vendor")), HttpStatusCode.NotFound, "unknown-vendor", "acme-edr"),
            Json("vendor-with-dots", Alert(u("vendor-with-dots")), HttpStatusCode.NotFound, "unknown-vendor", "crowdstrike.."),
            new("wrong-method-get", "GET", "/v1/ingest/crowdstrike", null, [], Key.Own, HttpStatusCode.MethodNotAllowed, "method-not-allowed", null),
            new("wrong-method-put", "PUT", "/v1/ingest/crowdstrike", "application/json", Utf8(Alert(u("wrong-method-put"))), Key.Own, HttpStatusCode.MethodNotAllowed, "method-not-allowed", u("wrong-method-put")),
            new("wrong-method-delete", "DELETE", "/v1/ingest/crowdstrike", null, [], Key.Own, HttpStatusCode.MethodNotAllowed, "method-not-allowed", null),
            new("no-vendor-in-path", "POST", "/v1/ingest/", "application/json", Utf8(Alert(u("no-vendor-in-path"))), Key.Own, HttpStatusCode.NotFound, "not-found", u("no-vendor-in-path")),

            // Content type.
            Bytes("xml-content-type", "application/xml", Utf8(Alert(u("xml-content-type"))), media, "unsupported-media-type"),
            Bytes("text-to-json-vendor", "text/plain", Utf8(Alert(u("text-to-json-vendor"))), media, "unsupported-media-type"),
            Bytes("form-content-type", "application/x-www-form-urlencoded", Utf8("user_name=" + u("form-content-type")), media, "unsupported-media-type"),
            Bytes("no-content-type", null!, Utf8(Alert(u("no-content-type"))), media, "unsupported-media-type"),
            Bytes("garbage-content-type", "not a media type", Utf8(Alert(u("garbage-content-type"))), media, "unsupported-media-type"),

            // Keys.
            WithKey("missing-key", Key.None, HttpStatusCode.Unauthorized, "unauthorized"),
            WithKey("invalid-key", Key.Invalid, HttpStatusCode.Unauthorized, "unauthorized"),
            WithKey("revoked-key", Key.Revoked, HttpStatusCode.Unauthorized, "unauthorized"),
            WithKey("admin-key-ingesting", Key.Admin, HttpStatusCode.Forbidden, "forbidden"),
            new("other-tenants-key", "PUT", "/v1/tenants/{tenant}/campaigns/c1", "application/json",
                Utf8($$$"""{"name":"x","pattern":{"class_uid":[2004]},"tip":{"title":"t","body":"{{{u("other-tenants-key")}}}"},"channels":[]}"""),
                Key.OtherTenant, HttpStatusCode.Forbidden, "forbidden", null),
            new("other-tenants-key-reading-a-user", "GET", "/v1/tenants/{tenant}/users/someone@corpus.example", null, [], Key.OtherTenant,
                HttpStatusCode.Forbidden, "forbidden", null),
            new("bad-tenant-id-in-path", "GET", "/v1/tenants/NOT%20A%20TENANT!/users/x@corpus.example", null, [], Key.Own,
                HttpStatusCode.Forbidden, "forbidden", null),
        ];
        return cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public static TheoryData<string> Names() => [.. All.Keys];

    [Fact]
    public void The_corpus_has_at_least_fifty_cases() => Assert.True(All.Count >= 50, $"{All.Count} cases");

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Bad_input_gets_its_documented_problem_and_reaches_no_grain(string name)
    {
        var (tenantId, key) = await silo.NewTenantAsync("bad");
        var result = await Send(All[name], tenantId, key);

        Assert.True(result.Error is null, result.Error);
        await AssertUnknownUser(tenantId, key, All[name].User);
    }

    [Fact]
    public async Task The_service_stays_healthy_and_no_bad_user_appears_after_the_whole_corpus()
    {
        var (tenantId, key) = await silo.NewTenantAsync("bad");
        var failures = new List<string>();
        foreach (var badCase in All.Values)
        {
            if ((await Send(badCase, tenantId, key)).Error is { } error)
            {
                failures.Add(error);
            }
        }

        Assert.Empty(failures);

        // A good event posted after the corpus is seen: anything the corpus had published would have arrived too.
        using var client = silo.ClientWithKey(key);
        using var good = await client.PostAsync("/v1/ingest/crowdstrike", new StringContent(Alert("canary@corpus.example"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
        await Eventually.Until(async () => (await client.GetAsync($"/v1/tenants/{tenantId}/users/canary@corpus.example")).StatusCode,
            s => s == HttpStatusCode.OK, "canary reached its user grain");
        foreach (var badCase in All.Values)
        {
            await AssertUnknownUser(tenantId, key, badCase.User);
        }

        using var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_leading_byte_order_mark_is_skipped()
    {
        var (tenantId, key) = await silo.NewTenantAsync("bad");
        using var client = silo.ClientWithKey(key);
        using var content = new ByteArrayContent(Concat([0xEF, 0xBB, 0xBF], Utf8(Alert("bom@corpus.example"))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync("/v1/ingest/crowdstrike", content);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.Until(async () => (await client.GetAsync($"/v1/tenants/{tenantId}/users/bom@corpus.example")).StatusCode,
            s => s == HttpStatusCode.OK, "event behind a BOM reached its user");
    }

    [Fact]
    public async Task An_all_rejected_batch_names_each_event_by_index_and_item()
    {
        var (_, key) = await silo.NewTenantAsync("bad");
        using var client = silo.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/ingest/defender",
            new StringContent("""[{"value":[{"id":"a"}]},{"id":"b","alertCreationTime":"2026-01-01T00:00:00Z"}]""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var rejected = problem.GetProperty("rejected").EnumerateArray().ToList();
        Assert.Equal([0, 1], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal("value[0]", rejected[0].GetProperty("item").GetString());
        Assert.Contains("user", rejected[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string? Error)> Send(Case badCase, string tenantId, string ownKey)
    {
        var apiKey = badCase.Key switch
        {
            Key.Own => ownKey,
            Key.None => null,
            Key.Invalid => $"sck_{tenantId}_not-a-real-secret",
            Key.Revoked => await RevokedKey(tenantId, ownKey),
            Key.Admin => SiloFactory.AdminKey,
            _ => (await silo.NewTenantAsync("other")).ApiKey,
        };
        using var client = silo.ClientWithKey(apiKey);
        using var request = new HttpRequestMessage(new HttpMethod(badCase.Method), badCase.Path.Replace("{tenant}", tenantId, StringComparison.Ordinal));
        if (badCase.Method is not ("GET" or "DELETE"))
        {
            request.Content = new ByteArrayContent(badCase.Body);
            if (badCase.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", badCase.ContentType);
            }
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{badCase.Name}: {(int)response.StatusCode} {Shorten(text)}";
        if (response.StatusCode != badCase.Status)
        {
            return (response.StatusCode, $"{where} — expected {(int)badCase.Status}");
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return (response.StatusCode, $"{where} — expected application/problem+json, got {response.Content.Headers.ContentType}");
        }

        var type = JsonDocument.Parse(text).RootElement.GetProperty("type").GetString();
        return type == ProblemBase + badCase.Type
            ? (response.StatusCode, null)
            : (response.StatusCode, $"{where} — expected type {ProblemBase}{badCase.Type}");
    }

    private async Task<string> RevokedKey(string tenantId, string ownKey)
    {
        using var client = silo.ClientWithKey(ownKey);
        using var created = await client.PostAsJsonAsync($"/v1/tenants/{tenantId}/keys", new { name = "to revoke" });
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        using var revoked = await client.DeleteAsync($"/v1/tenants/{tenantId}/keys/{key.GetProperty("keyId").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        return key.GetProperty("apiKey").GetString()!;
    }

    private async Task AssertUnknownUser(string tenantId, string key, string? user)
    {
        if (user is null)
        {
            return;
        }

        using var client = silo.ClientWithKey(key);
        using var response = await client.GetAsync($"/v1/tenants/{tenantId}/users/{Uri.EscapeDataString(user)}");
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"user {user} of a refused body: {(int)response.StatusCode}");
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
