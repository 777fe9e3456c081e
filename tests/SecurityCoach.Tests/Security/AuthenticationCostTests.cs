using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Api.Auth;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>A bad key costs no tenant activation, and guessing one tenant's keys is throttled per client.</summary>
[Collection(SiloCollection.Name)]
public sealed class AuthenticationCostTests(SiloFactory silo)
{
    private static string RandomKey(string tenant) => $"sck_{tenant}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";

    private async Task<int> TenantActivations()
    {
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.EndsWith(".TenantGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    [Fact]
    public async Task A_flood_of_keys_naming_random_tenants_activates_no_tenant_and_the_valid_tenant_keeps_answering()
    {
        var (tenantId, key) = await silo.NewTenantAsync("fl");
        using var valid = silo.ClientWithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await valid.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
        var before = await TenantActivations();

        var refused = 0;
        using var gate = new SemaphoreSlim(32);
        var flood = Enumerable.Range(0, 5_000).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var tenant = "x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
                using var client = silo.ClientWithKey(RandomKey(tenant));
                using var response = await client.GetAsync($"/v1/tenants/{tenant}/campaigns");
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    Interlocked.Increment(ref refused);
                }

                if (i % 500 == 0)
                {
                    Assert.Equal(HttpStatusCode.OK, (await valid.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(flood);

        Assert.Equal(5_000, refused);
        Assert.Equal(before, await TenantActivations());
        Assert.Equal(HttpStatusCode.OK, (await valid.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
    }

    [Fact]
    public async Task Guessing_one_tenants_keys_is_answered_429_once_the_budget_is_spent_without_looking_the_key_up()
    {
        var (tenantId, _) = await silo.NewTenantAsync("gu");
        for (var i = 0; i < FailedAuthenticationLimiter.Budget; i++)
        {
            using var guess = silo.ClientWithKey(RandomKey(tenantId));
            Assert.Equal(HttpStatusCode.Unauthorized, (await guess.GetAsync($"/v1/tenants/{tenantId}/campaigns")).StatusCode);
        }

        // The bucket refills one attempt every RefillEvery on its own clock, so one refill may land inside the loop
        // above: then one more guess is looked up, and the next is refused.
        HttpResponseMessage throttled;
        var extraGuesses = 0;
        while (true)
        {
            using var next = silo.ClientWithKey(RandomKey(tenantId));
            throttled = await next.GetAsync($"/v1/tenants/{tenantId}/campaigns");
            if (throttled.StatusCode != HttpStatusCode.Unauthorized || ++extraGuesses > 1)
            {
                break;
            }

            throttled.Dispose();
        }

        using var _ = throttled;
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("https://securitycoach.dev/problems/too-many-failed-attempts",
            System.Text.Json.JsonDocument.Parse(await throttled.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString());
        Assert.NotNull(throttled.Headers.RetryAfter);
    }
}
