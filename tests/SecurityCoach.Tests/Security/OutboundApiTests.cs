using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// Over HTTP, against the real program with an operator policy that allows nothing but public https: a campaign or
/// an alert channel that points anywhere else is a 422 naming the field, and nothing is stored.
/// </summary>
public sealed class OutboundApiTests(OutboundApiTests.StrictSilo strict) : IClassFixture<OutboundApiTests.StrictSilo>
{
    private static readonly int[] PhishingClass = [4002];

    private readonly SiloFactory _silo = strict.Silo;

    /// <summary>One program for the whole class, with the policy allowing nothing (not even the Local profile's loopback).</summary>
    public sealed class StrictSilo : IAsyncLifetime
    {
        public SiloFactory Silo { get; } = new(new Dictionary<string, string> { ["SecurityCoach:Outbound:AllowedNetworks:0"] = "none" });

        public Task InitializeAsync() => ((IAsyncLifetime)Silo).InitializeAsync();

        public async Task DisposeAsync() => await Silo.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static TheoryData<string, string> Destinations()
    {
        string[] urls =
        [
            "http://169.254.169.254/latest/meta-data/", "https://169.254.170.2/v2/credentials", "https://[fd00:ec2::254]/",
            "https://2852039166/", "https://0xa9fea9fe/", "https://0251.0376.0251.0376/", "https://[::ffff:a9fe:a9fe]/",
            "http://127.0.0.1:5000/hook", "https://127.1/", "https://localhost/hook", "https://[::1]/", "https://10.0.0.5/",
            "https://192.168.1.1/", "https://100.64.0.1/", "http://hooks.example.com/hook",
        ];
        var data = new TheoryData<string, string>();
        foreach (var type in new[] { "webhook", "slack", "teams" })
        {
            foreach (var url in urls)
            {
                data.Add(type, url);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Destinations))]
    public async Task A_campaign_channel_to_a_refused_destination_is_422_naming_the_url_and_not_stored(string type, string url)
    {
        var (tenantId, key) = await _silo.NewTenantAsync("ob");
        using var client = _silo.ClientWithKey(key);
        var campaign = JsonSerializer.Serialize(new
        {
            name = "Phish",
            pattern = new { class_uid = PhishingClass },
            riskWeight = 10,
            tip = new { title = "Phish", body = "Check the sender." },
            channels = new[] { new { type, url, secret = "0123456789abcdef" } },
        });

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/c1", Json(campaign));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "channels[0].url");
        var stored = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/campaigns");
        Assert.Empty(stored.GetProperty("campaigns").EnumerateArray());
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("https://[::ffff:169.254.169.254]/")]
    [InlineData("http://127.0.0.1:5000/alerts")]
    public async Task An_alert_channel_to_a_refused_destination_is_422_naming_the_url_and_not_stored(string url)
    {
        var (tenantId, key) = await _silo.NewTenantAsync("ob");
        using var client = _silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/settings",
            Json(JsonSerializer.Serialize(new { alertChannel = new { type = "webhook", url, secret = "0123456789abcdef" } })));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "alertChannel.url");
        var settings = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/settings");
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("alertChannel").ValueKind);
    }

    [Fact]
    public async Task A_public_https_channel_is_stored()
    {
        var (tenantId, key) = await _silo.NewTenantAsync("ob");
        using var client = _silo.ClientWithKey(key);

        using var response = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/c1", Json("""
            {"name":"Phish","pattern":{"class_uid":[4002]},"riskWeight":10,"tip":{"title":"Phish","body":"Check the sender."},
             "channels":[{"type":"slack","url":"https://hooks.slack.com/services/T000/B000/XXXX"}]}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
