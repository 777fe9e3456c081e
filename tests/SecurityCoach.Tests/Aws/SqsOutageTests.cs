using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The real silo program in the AwsLocal profile while its SQS (a fauxqs of this test's own, persisting to disk) goes
/// away and comes back: what the API could not enqueue is a 503 with Retry-After, never a 202 for an event that is
/// then lost, and the silo recovers without help.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SqsOutageTests(LocalAwsFixture aws, ITestOutputHelper output)
{
    private const int Users = 20;
    private static readonly TimeSpan PostInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How SQS goes away: the process dies (connections refused), or stops answering (connections hang).</summary>
    public enum Outage
    {
        Crash,
        Hang,
    }

    [Theory]
    [InlineData(Outage.Crash)]
    [InlineData(Outage.Hang)]
    public async Task An_SQS_outage_answers_503_with_Retry_After_and_every_accepted_event_is_scored_and_coached_once(Outage outage)
    {
        await using var fauxqs = await RestartableFauxqs.StartAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var settings = aws.AwsLocalSettings(run, fauxqs.ServiceUrl);
        await using var silo = new SiloFactory(settings);
        await ((IAsyncLifetime)silo).InitializeAsync();
        await using var thaw = fauxqs.ThawWhenDisposed();

        var (tenantId, key) = await silo.NewTenantAsync("outage");
        using var client = silo.ClientWithKey(key);
        // A request that hangs instead of failing is as bad as a lost event: the test fails on it.
        client.Timeout = TimeSpan.FromSeconds(20);
        var hook = silo.Webhooks.NewHook("outage-secret-0123456789");
        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":1,"tip":{"title":"Malware stopped","body":"On your laptop."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"outage-secret-0123456789"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", Json(campaign))).StatusCode);

        var posts = new List<Post>();
        var next = 0;
        async Task<Post> PostEvent(int n)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsync("/v1/ingest/crowdstrike", Json(VendorSamples.CrowdStrikeDetection(UserOf(n), $"ldt:outage:{n}")));
            var post = new Post(n, response.StatusCode, response.Headers.RetryAfter?.Delta, watch.Elapsed);
            posts.Add(post);
            return post;
        }

        async Task PostFor(TimeSpan period)
        {
            var until = DateTime.UtcNow + period;
            while (DateTime.UtcNow < until)
            {
                await PostEvent(next++);
                await Task.Delay(PostInterval);
            }
        }

        await PostFor(TimeSpan.FromSeconds(3));
        if (outage == Outage.Crash)
        {
            fauxqs.Kill();
        }
        else
        {
            await fauxqs.FreezeAsync();
        }

        var outageStart = posts.Count;
        await PostFor(TimeSpan.FromSeconds(6));
        var duringOutage = posts.Skip(outageStart).ToList();
        if (outage == Outage.Crash)
        {
            await fauxqs.RestartAsync();
        }
        else
        {
            await fauxqs.ThawAsync();
        }

        // Recovery by itself: steady posting until the API takes events again (bounded).
        var recovered = false;
        var recoveryDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!recovered && DateTime.UtcNow < recoveryDeadline)
        {
            recovered = (await PostEvent(next++)).Status == HttpStatusCode.Accepted;
            await Task.Delay(PostInterval);
        }

        Assert.True(recovered, $"no 202 within 30 s of fauxqs' restart; answers since: {Describe(posts.Skip(outageStart))}");
        await PostFor(TimeSpan.FromSeconds(2));

        output.WriteLine($"posted {posts.Count}: {Describe(posts)}; during the outage: {Describe(duringOutage)}");
        Assert.All(posts, p => Assert.True(p.Status is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"event {p.N}: {p.Status}"));
        Assert.Contains(duringOutage, p => p.Status == HttpStatusCode.ServiceUnavailable);
        Assert.All(posts.Where(p => p.Status == HttpStatusCode.ServiceUnavailable), p => Assert.True(p.RetryAfter > TimeSpan.Zero, $"event {p.N}: 503 without Retry-After"));

        // A client does what the 503 says: it retries later. Events are de-duplicated by id, so even one that reached
        // the queue before the 503 is scored once.
        var refused = posts.Where(p => p.Status != HttpStatusCode.Accepted).Select(p => p.N).Distinct().ToList();
        foreach (var n in refused)
        {
            var retry = await PostEvent(n);
            for (var attempt = 0; retry.Status == HttpStatusCode.TooManyRequests && attempt < 10; attempt++)
            {
                // The tenant's rate limit counts the refused attempts too; the retry honours its Retry-After.
                await Task.Delay(retry.RetryAfter ?? TimeSpan.FromSeconds(1));
                retry = await PostEvent(n);
            }

            Assert.Equal(HttpStatusCode.Accepted, retry.Status);
            await Task.Delay(PostInterval);
        }

        var events = next;
        var webhooks = await silo.Webhooks.WaitForAsync(hook, events, TimeSpan.FromSeconds(60), "one coaching per event");
        var counts = await Eventually.Until(
            () => EventCounts(client, tenantId),
            c => c.Sum() >= events,
            "every event scored", TimeSpan.FromSeconds(30));
        // Redeliveries of what was received but not deleted during the outage have had their chance to show.
        await Task.Delay(TimeSpan.FromSeconds(2));
        counts = await EventCounts(client, tenantId);
        webhooks = silo.Webhooks.ReceivedAt(hook);
        output.WriteLine($"{events} events ({refused.Count} retried after a 503): scored {counts.Sum()}, webhooks {webhooks.Count}");

        Assert.Equal(events, counts.Sum());
        Assert.Equal(events, webhooks.Count);
        Assert.Equal(events, webhooks.Select(w => w.IdempotencyKey).Distinct().Count());
        Assert.Equal(
            Enumerable.Range(0, events).Select(n => $"ldt:outage:{n}").Order(StringComparer.Ordinal),
            webhooks.Select(w => w.Body.GetProperty("eventId").GetString()!).Order(StringComparer.Ordinal));
    }

    private static string UserOf(int n) => $"user{n % Users}@example.com";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<int[]> EventCounts(HttpClient client, string tenantId)
    {
        var counts = new int[Users];
        for (var u = 0; u < Users; u++)
        {
            using var response = await client.GetAsync($"/v1/tenants/{tenantId}/users/{UserOf(u)}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                counts[u] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventCount").GetInt32();
            }
        }

        return counts;
    }

    private static string Describe(IEnumerable<Post> posts) =>
        string.Join(", ", posts.GroupBy(p => p.Status).Select(g =>
            $"{(int)g.Key}×{g.Count()} (slowest {g.Max(p => p.Elapsed).TotalMilliseconds:0} ms)"));

    private sealed record Post(int N, HttpStatusCode Status, TimeSpan? RetryAfter, TimeSpan Elapsed);
}
