using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Api;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Pipeline;

namespace SecurityCoach.Tests.Backpressure;

/// <summary>
/// The Local profile's ingest refuses events while its user grains are behind the event streams (ProcessingLag), and
/// accepts them again once they caught up. The backlog is made by publishing batches that say they waited 10 s.
/// </summary>
public sealed class IngestBackpressureTests
{
    private static StringContent Alert(string user, string id) =>
        new("[" + VendorSamples.NetskopeAlert(user, id) + "]", Encoding.UTF8, "application/json");

    [Fact]
    public async Task While_the_user_grains_score_stale_batches_ingest_answers_503_overloaded_and_reads_nothing_then_accepts_again()
    {
        // No backpressure setting: the Local profile's default (1 s) is what is tested.
        await using var silo = new SiloFactory(new Dictionary<string, string>());
        await silo.InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var streams = silo.Services.GetRequiredService<IClusterClient>().GetStreamProvider(SecurityEventStreams.ProviderName);

        // A backlog as the grains see it: every batch they score was published 10 s ago.
        using var stopFeeding = new CancellationTokenSource();
        var published = 0;
        var feeder = Task.Run(async () =>
        {
            while (!stopFeeding.IsCancellationRequested)
            {
                var stale = DateTimeOffset.UtcNow.AddSeconds(-10).ToUnixTimeMilliseconds();
                var batches = Enumerable.Range(0, 10).Select(_ =>
                {
                    var user = $"backlog-{published++ % 40}@example.com";
                    var evt = TestEvents.Detection(tenantId, user, "stale-" + Guid.NewGuid().ToString("N"));
                    return streams.GetStream<SecurityEventBatch>(SecurityEventStreams.ForUser(tenantId, user))
                        .OnNextAsync(new SecurityEventBatch([evt], stale));
                });
                await Task.WhenAll(batches);
                await Task.Delay(20);
            }
        });

        HttpResponseMessage refused;
        var refusedUser = "";
        try
        {
            var attempt = 0;
            refused = await Eventually.Until(
                () =>
                {
                    // A user per attempt: the attempts before the grains fell behind are accepted.
                    refusedUser = $"attempt-{attempt++}@example.com";
                    return client.PostAsync("/v1/ingest/netskope", Alert(refusedUser, $"attempt-{attempt}"));
                },
                response => response.StatusCode == HttpStatusCode.ServiceUnavailable,
                "ingest refuses while the grains score stale batches");
        }
        finally
        {
            await stopFeeding.CancelAsync();
            await feeder;
        }

        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/overloaded", problem.GetProperty("type").GetString());
        Assert.Equal(2, problem.GetProperty("retryAfterSeconds").GetInt32());

        // Once the stale batches are scored and no more come, ingest opens again by itself.
        await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value);
        using var accepted = await client.PostAsync("/v1/ingest/netskope", Alert("later@example.com", "later-1"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Eventually.Until(
            async () => (await client.GetAsync($"/v1/tenants/{tenantId}/users/later@example.com")).StatusCode,
            status => status == HttpStatusCode.OK,
            "the accepted event is scored");

        // The refused request published nothing: its user was never scored.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/tenants/{tenantId}/users/{refusedUser}")).StatusCode);
    }

    [Fact]
    public async Task A_tenant_whose_coachings_pile_up_behind_a_hanging_receiver_gets_503_and_other_tenants_do_not()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string>
        {
            ["SecurityCoach:Backpressure:MaxCoachingsInProgress"] = "3",
            ["SecurityCoach:Coaching:ChannelTimeout"] = "00:00:01",
        });
        await silo.InitializeAsync();
        var (slowTenant, slowKey) = await silo.NewTenantAsync("slow");
        var (_, calmKey) = await silo.NewTenantAsync("calm");
        using var slow = silo.ClientWithKey(slowKey);
        using var calm = silo.ClientWithKey(calmKey);
        var hook = silo.Webhooks.NewHook("backpressure-secret-1");
        // Every attempt of the four coachings hangs until the channel timeout; after the last attempt they fail.
        silo.Webhooks.Script(hook, [.. Enumerable.Repeat(WebhookReceiver.Hang, 4 * SiloFactory.MaxAttempts)]);
        var campaign = $$"""
            {"name":"Everything","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"t","body":"b"},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"backpressure-secret-1"}]}
            """;
        using (var put = await slow.PutAsync($"/v1/tenants/{slowTenant}/campaigns/all", new StringContent(campaign, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        for (var i = 0; i < 4; i++)
        {
            using var accepted = await slow.PostAsync("/v1/ingest/netskope", Alert($"u{i}@example.com", $"slow-{i}"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await silo.Webhooks.WaitForAsync(hook, 4, TimeSpan.FromSeconds(15), "the four coachings are delivering");
        using var slowRefusals = new CounterProbe(IngestPipeline.MeterName, "tenant", slowTenant);
        using var refused = await slow.PostAsync("/v1/ingest/netskope", Alert("u9@example.com", "slow-9"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/overloaded", problem.GetProperty("type").GetString());
        Assert.Contains("4 coachings in progress, more than the 3 allowed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, slowRefusals.Total(IngestPipeline.RefusedName));

        // Another tenant's ingest is not held by the slow tenant's receiver.
        using (var other = await calm.PostAsync("/v1/ingest/netskope", Alert("calm@example.com", "calm-1")))
        {
            Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        }

        // Once the coachings have ended (failed after their last attempt), the tenant's ingest opens again.
        using var reopened = await Eventually.Until(
            () => slow.PostAsync("/v1/ingest/netskope", Alert("u9@example.com", "slow-9")),
            response => response.StatusCode == HttpStatusCode.Accepted,
            "the slow tenant's ingest reopens when its coachings end",
            TimeSpan.FromSeconds(30));
        // The accepted event's coaching is delivered (the script is used up), and then nothing is counted in progress.
        await silo.Webhooks.WaitForAsync(hook, 4 * SiloFactory.MaxAttempts + 1, TimeSpan.FromSeconds(15), "the accepted event is coached");
        await Eventually.Until(() => Task.FromResult(silo.Services.GetRequiredService<CoachingsInProgress>().Count(slowTenant)), count => count == 0,
            "every ended coaching left the count");
    }

    [Fact]
    public async Task Zero_limits_turn_backpressure_off()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string>
        {
            ["SecurityCoach:Backpressure:MaxProcessingLag"] = "00:00:00",
            ["SecurityCoach:Backpressure:MaxCoachingsInProgress"] = "0",
        });
        await silo.InitializeAsync();
        Assert.False(silo.Services.GetRequiredService<ProcessingLag>().Enabled);
        Assert.Equal(0, silo.Services.GetRequiredService<CoachingsInProgress>().Limit);
    }
}
