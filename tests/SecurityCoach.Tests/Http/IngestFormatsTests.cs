using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>Pagination envelopes and log-line bodies at the ingest endpoint, against the real silo program.</summary>
[Collection(SiloCollection.Name)]
public sealed class IngestFormatsTests(SiloFactory silo)
{
    private static string Golden(string path) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vendors", "Golden", path));

    private static async Task<JsonElement> Accepted(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static (int Index, string? Item)[] Rejected(JsonElement body) =>
        [.. body.GetProperty("rejected").EnumerateArray().Select(r =>
            (r.GetProperty("index").GetInt32(), r.TryGetProperty("item", out var item) ? item.GetString() : null))];

    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/csv")]
    public async Task PanOs_syslog_lines_are_accepted_as_text_each_line_a_record(string mediaType)
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/ingest/paloalto", new StringContent(Golden("paloalto/syslog.log"), Encoding.UTF8, mediaType));

        var body = await Accepted(response);
        Assert.Equal(4, body.GetProperty("accepted").GetInt32());
        Assert.Equal(["013201009876:7300915", "013201009876:7300921", "013201009876:7301002", "013201009876:7301010"],
            body.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([(4, null), (5, null)], Rejected(body));
        // Only one line names an address; the DOMAIN\user lines and the one with only a source address wait in the
        // unmapped list for the tenant's mapping.
        Assert.Equal(3, body.GetProperty("unmapped").GetInt32());
        await Eventually.Until(async () => (await client.GetAsync($"/v1/tenants/{tenantId}/users/r.costa@northwind.example")).StatusCode,
            s => s == HttpStatusCode.OK, "PAN-OS event reached its user");
    }

    [Fact]
    public async Task A_line_vendor_also_takes_a_json_array_of_lines()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var lines = Golden("paloalto/syslog.log").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using var response = await client.PostAsJsonAsync("/v1/ingest/paloalto", new object[] { lines[0], new { message = lines[1] } });

        var body = await Accepted(response);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Equal([(1, null)], Rejected(body));
    }

    [Theory]
    [InlineData("crowdstrike", "text/plain")]
    [InlineData("okta", "text/csv")]
    [InlineData("paloalto", "application/xml")]
    public async Task Text_is_415_for_json_vendors_and_other_types_for_everyone(string vendor, string mediaType)
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PostAsync($"/v1/ingest/{vendor}", new StringContent("a,b,c\n", Encoding.UTF8, mediaType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/unsupported-media-type", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task An_azure_records_envelope_yields_its_sign_ins_and_names_each_rejected_item()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/ingest/entra",
            new StringContent(Golden("entra/diagnostic-sign-ins.json"), Encoding.UTF8, "application/json"));

        var body = await Accepted(response);
        Assert.Equal(3, body.GetProperty("accepted").GetInt32());
        Assert.Equal([(0, "records[3]"), (0, "records[4]"), (0, "records[5]")], Rejected(body));
        Assert.Contains("object id", body.GetProperty("rejected")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelopes_in_an_array_keep_the_array_position_as_index()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var page = Golden("proofpoint/siem-all.json");

        using var response = await client.PostAsync("/v1/ingest/proofpoint",
            new StringContent($"[{Golden("proofpoint/empty-page.json")},{page}]", Encoding.UTF8, "application/json"));

        var body = await Accepted(response);
        Assert.Equal(4, body.GetProperty("accepted").GetInt32());
        Assert.Equal([(1, "messagesBlocked[1]")], Rejected(body));
    }

    [Theory]
    [InlineData("proofpoint", "{\"queryEndTime\":\"2026-01-05T15:10:00Z\",\"clicksPermitted\":[]}")]
    [InlineData("entra", "{\"records\":[]}")]
    [InlineData("entra", "{\"value\":[],\"@odata.nextLink\":null}")]
    public async Task An_empty_page_is_zero_events_not_an_error(string vendor, string page)
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PostAsync($"/v1/ingest/{vendor}", new StringContent(page, Encoding.UTF8, "application/json"));

        var body = await Accepted(response);
        Assert.Equal(0, body.GetProperty("accepted").GetInt32());
        Assert.Empty(Rejected(body));
    }
}
