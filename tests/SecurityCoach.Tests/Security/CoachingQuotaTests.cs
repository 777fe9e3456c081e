using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// The coaching quotas over HTTP: a request's matches start at most <c>coachingsPerBatch</c> coachings per user, the
/// tenant at most <c>coachingStartsPerMinute</c> per silo; every match is still scored, and the rest are counted on
/// the user as <c>coachingsOverQuota</c>.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class CoachingQuotaTests(SiloFactory silo)
{
    private const string Secret = "coaching-quota-secret";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(string TenantId, HttpClient Client, string Hook)> TenantWithCampaign(string quotas)
    {
        var (tenantId, key) = await silo.NewTenantAsync("quota");
        var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/v1/tenants/{tenantId}/quotas", Json(quotas))).StatusCode);
        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Careful","body":"Malware was found."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(campaign))).StatusCode);
        return (tenantId, client, hook);
    }

    /// <summary>The user's view, or an empty object while no event of theirs has been scored (404).</summary>
    private static async Task<JsonElement> User(HttpClient client, string tenantId, string userKey)
    {
        using var response = await client.GetAsync($"/v1/tenants/{tenantId}/users/{userKey}");
        return response.StatusCode == HttpStatusCode.NotFound
            ? JsonDocument.Parse("""{"eventCount":0}""").RootElement
            : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string Events(params (string User, string Id)[] events) =>
        "[" + string.Join(",", events.Select(e => VendorSamples.NetskopeAlert(e.User, e.Id))) + "]";

    [Fact]
    public async Task One_request_starts_at_most_coachingsPerBatch_coachings_for_a_user_and_counts_the_rest()
    {
        var (tenantId, client, hook) = await TenantWithCampaign("""{"coachingsPerBatch":2}""");
        using var _ = client;

        using var ingest = await client.PostAsync("/v1/ingest/netskope",
            Json(Events([.. Enumerable.Range(1, 5).Select(i => ("burst@example.com", $"ns-quota-batch-{i}"))])));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var user = await Eventually.Until(
            () => User(client, tenantId, "burst@example.com"),
            u => u.GetProperty("eventCount").GetInt64() == 5, "the five events scored");
        Assert.Equal(2, user.GetProperty("coachings").GetArrayLength());
        Assert.Equal(3, user.GetProperty("coachingsOverQuota").GetInt64());
        await silo.Webhooks.WaitForAsync(hook, 2, TimeSpan.FromSeconds(15), "the two coachings within the quota");
        await Task.Delay(500);
        Assert.Equal(2, silo.Webhooks.ReceivedAt(hook).Count);
    }

    [Fact]
    public async Task A_tenant_starts_at_most_coachingStartsPerMinute_coachings_on_a_silo_across_its_users()
    {
        var (tenantId, client, hook) = await TenantWithCampaign("""{"coachingStartsPerMinute":3}""");
        using var _ = client;
        // The quota counts per clock minute: start well inside one, so the five events fall in the same minute.
        var intoMinute = DateTimeOffset.UtcNow.Second;
        if (intoMinute > 45)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - intoMinute));
        }

        var users = Enumerable.Range(1, 5).Select(i => $"user{i}@example.com").ToArray();
        using var ingest = await client.PostAsync("/v1/ingest/netskope", Json(Events([.. users.Select((u, i) => (u, $"ns-quota-minute-{i}"))])));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var views = await Eventually.Until(
            () => Task.WhenAll(users.Select(u => User(client, tenantId, u))),
            all => all.All(v => v.GetProperty("eventCount").GetInt64() == 1), "every user's event scored");
        Assert.Equal(3, views.Sum(v => v.GetProperty("coachings").GetArrayLength()));
        Assert.Equal(2, views.Sum(v => v.GetProperty("coachingsOverQuota").GetInt64()));
        await silo.Webhooks.WaitForAsync(hook, 3, TimeSpan.FromSeconds(15), "the three coachings within the quota");
    }
}
