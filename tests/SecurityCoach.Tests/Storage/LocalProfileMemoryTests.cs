using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streams;
using SecurityCoach.Providers.Aws.Streaming;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Storage;

/// <summary>
/// The Local profile's memory is bounded by what runs, not by what ran: it keeps only the newest ended coachings
/// (SecurityCoach:Local:KeepEndedCoachings), events only until they are delivered (bounded queues), and the addresses of
/// ten thousand grains in its directory cache.
/// bench/README.md ("Memory under steady load") has the measured heap.
/// </summary>
public sealed class LocalProfileMemoryTests
{
    [Fact]
    public async Task Events_wait_in_bounded_in_process_queues_and_leave_the_cache_once_delivered()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string>());
        await silo.InitializeAsync();

        var streams = silo.Services.GetRequiredKeyedService<IQueueAdapterFactory>(SecurityEventStreams.ProviderName);

        // Not Orleans' memory streams, whose pooled cache kept delivered events for 30 minutes (providers/Streaming).
        var inProcess = Assert.IsType<InProcessQueueAdapterFactory>(streams);
        Assert.Equal(16_384, inProcess.Options.MaxQueuedBatches);
        Assert.IsType<RegistrationAwareQueueAdapterCache>(streams.GetQueueAdapterCache());
    }

    [Fact]
    public async Task The_grain_directory_cache_holds_ten_thousand_entries_not_Orleans_million()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string>());
        await silo.InitializeAsync();

        var directory = silo.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;

        Assert.Equal(10_000, directory.CacheSize);
    }

    [Fact]
    public async Task Past_the_limit_the_oldest_delivered_coaching_is_forgotten_and_the_newer_ones_are_kept()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string> { ["SecurityCoach:Local:KeepEndedCoachings"] = "2" });
        await silo.InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook("retention-secret-1");
        var campaign = $$"""
            {"name":"Everything","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"t","body":"b"},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"retention-secret-1"}]}
            """;
        using (var put = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/all", new StringContent(campaign, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // One user and coaching after another, each delivered before the next starts: they end in this order.
        var coachingIds = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            using var accepted = await client.PostAsync("/v1/ingest/netskope",
                new StringContent("[" + VendorSamples.NetskopeAlert($"u{i}@example.com", $"keep-{i}") + "]", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var user = $"/v1/tenants/{tenantId}/users/u{i}@example.com";
            var view = await Eventually.Until(
                async () =>
                {
                    using var response = await client.GetAsync(user);
                    // 404 until the event is scored.
                    return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
                },
                v => v.ValueKind == JsonValueKind.Object && v.GetProperty("coachings") is { } c && c.GetArrayLength() == 1
                    && c[0].GetProperty("status").GetString() == "Delivered",
                $"coaching {i} delivered");
            coachingIds.Add(view.GetProperty("coachings")[0].GetProperty("coachingId").GetString()!);
        }

        using var oldest = await client.GetAsync($"/v1/tenants/{tenantId}/coachings/{coachingIds[0]}");
        Assert.Equal(HttpStatusCode.NotFound, oldest.StatusCode);
        var firstUser = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/u1@example.com");
        Assert.Equal(0, firstUser.GetProperty("coachings").GetArrayLength());
        // The user's own record is not a coaching's: its score and count stay.
        Assert.Equal(1, firstUser.GetProperty("eventCount").GetInt32());
        foreach (var kept in coachingIds.Skip(1))
        {
            using var response = await client.GetAsync($"/v1/tenants/{tenantId}/coachings/{kept}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, silo.Webhooks.ReceivedAt(hook).Count);
    }
}
