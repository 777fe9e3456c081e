using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>The per-tenant token bucket on ingestion (the test silo allows a burst of 40 events, 20 a second).</summary>
[Collection(SiloCollection.Name)]
public sealed class RateLimitTests(SiloFactory silo)
{
    private static StringContent Batch(string user, string prefix, int count) => new(
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => VendorSamples.NetskopeAlert(user, $"{prefix}-{i}"))) + "]",
        Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_tenant_over_its_rate_gets_429_with_Retry_After_and_nothing_is_published()
    {
        var (tenantId, key) = await silo.NewTenantAsync();
        var (_, otherKey) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var first = await client.PostAsync("/v1/ingest/netskope", Batch("fast@example.com", "a", SiloFactory.RateLimitBurst));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var refused = await client.PostAsync("/v1/ingest/netskope", Batch("late@example.com", "b", 10));
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/rate-limited", problem.GetProperty("type").GetString());

        // Another tenant has its own bucket.
        using var other = silo.ClientWithKey(otherKey);
        Assert.Equal(HttpStatusCode.Accepted, (await other.PostAsync("/v1/ingest/netskope", Batch("calm@example.com", "c", 10))).StatusCode);

        // The refused request published nothing; after the pause the same request goes through.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/tenants/{tenantId}/users/late@example.com")).StatusCode);
        await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/v1/ingest/netskope", Batch("late@example.com", "b", 10))).StatusCode);
    }

    [Fact]
    public async Task A_request_with_more_events_than_the_burst_is_413_and_says_to_split_it()
    {
        var (_, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var response = await client.PostAsync("/v1/ingest/netskope", Batch("big@example.com", "x", SiloFactory.RateLimitBurst + 1));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/batch-too-large", problem.GetProperty("type").GetString());
        Assert.Contains("split", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
