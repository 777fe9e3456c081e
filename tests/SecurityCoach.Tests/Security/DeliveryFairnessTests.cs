using System.Net;
using System.Text;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// Two tenants whose receivers share one host (as every Slack tenant shares hooks.slack.com): one tenant's hanging
/// receiver holds at most its own share of the host's connections, and the other tenant's tip still goes out while
/// those requests hang.
/// </summary>
public sealed class DeliveryFairnessTests
{
    private const string Secret = "fairness-secret-0123";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Campaign(string hook) => $$"""
        {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware was found."},
         "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
        """;

    [Fact]
    public async Task A_tenant_whose_receiver_hangs_holds_only_its_share_of_a_shared_host_and_another_tenant_is_delivered_meanwhile()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string>
        {
            ["SecurityCoach:Coaching:MaxConnectionsPerEndpoint"] = "4",
            ["SecurityCoach:Coaching:MaxConnectionsPerTenantEndpoint"] = "2",
            // Longer than the wait below, so the hanging requests are still held when the other tenant's tip must pass.
            ["SecurityCoach:Coaching:ChannelTimeout"] = "00:00:12",
        });
        await ((IAsyncLifetime)silo).InitializeAsync();
        var (stuck, stuckKey) = await silo.NewTenantAsync("stuck");
        var (healthy, healthyKey) = await silo.NewTenantAsync("healthy");
        using var stuckClient = silo.ClientWithKey(stuckKey);
        using var healthyClient = silo.ClientWithKey(healthyKey);
        var hanging = silo.Webhooks.NewHook(Secret);
        silo.Webhooks.Script(hanging, [.. Enumerable.Repeat(WebhookReceiver.Hang, 100)]);
        var answering = silo.Webhooks.NewHook(Secret);
        Assert.Equal(HttpStatusCode.OK, (await stuckClient.PutAsync($"/v1/tenants/{stuck}/campaigns/malware", Json(Campaign(hanging)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await healthyClient.PutAsync($"/v1/tenants/{healthy}/campaigns/malware", Json(Campaign(answering)))).StatusCode);

        var events = string.Join(",", Enumerable.Range(1, 6).Select(i => VendorSamples.NetskopeAlert($"stuck{i}@example.com", $"ns-stuck-{i}")));
        Assert.Equal(HttpStatusCode.Accepted, (await stuckClient.PostAsync("/v1/ingest/netskope", Json($"[{events}]"))).StatusCode);
        await silo.Webhooks.WaitForAsync(hanging, 2, TimeSpan.FromSeconds(15), "the stuck tenant's first requests hang");

        Assert.Equal(HttpStatusCode.Accepted, (await healthyClient.PostAsync("/v1/ingest/netskope", Json(VendorSamples.NetskopeAlert("calm@example.com", "ns-calm-fair")))).StatusCode);

        Assert.True(Assert.Single(await silo.Webhooks.WaitForAsync(answering, 1, TimeSpan.FromSeconds(10), "the healthy tenant's tip, while the others hang")).SignatureValid);
        // Six coachings of the stuck tenant want a connection; its share is two, and both still hang.
        Assert.Equal(2, silo.Webhooks.ReceivedAt(hanging).Count);
    }
}
