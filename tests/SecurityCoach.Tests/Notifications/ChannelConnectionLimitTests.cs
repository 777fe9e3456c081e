using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Benchmarks.Load;
using SecurityCoach.Notifications;

namespace SecurityCoach.Tests.Notifications;

/// <summary>The channels' HTTP client as the silo registers it opens at most MaxConnectionsPerEndpoint connections to one receiver.</summary>
public sealed class ChannelConnectionLimitTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Deliveries_beyond_the_connection_limit_wait_for_a_connection_and_all_arrive(int limit)
    {
        var inFlight = 0;
        var mostInFlight = 0;
        var connections = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var (receiver, baseUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            connections[context.Connection.Id] = true;
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            // Held long enough that every delivery is sent while earlier ones are still open.
            await Task.Delay(200);
            Interlocked.Decrement(ref inFlight);
            return Results.Ok();
        }));
        await using var _ = receiver;
        var url = baseUrl + "/hook";

        await using var services = ChannelTestKit.Services(new Dictionary<string, string?> { ["SecurityCoach:Coaching:MaxConnectionsPerEndpoint"] = $"{limit}" });
        var webhook = new WebhookChannel(services.GetRequiredService<HttpDelivery>(), TimeProvider.System);

        var sends = Enumerable.Range(0, 3 * limit).Select(_ =>
            webhook.SendAsync(new ChannelDefinition("webhook", url, "secret-0123456789"), ChannelTestKit.Message(), default));
        var results = await Task.WhenAll(sends);

        Assert.All(results, r => Assert.True(r.Delivered, r.Error));
        Assert.Equal(limit, mostInFlight);
        Assert.Equal(limit, connections.Count);
    }

    [Fact]
    public async Task The_channel_timeout_starts_when_a_delivery_is_sent_and_one_that_never_got_a_connection_fails_unsent()
    {
        var received = new System.Collections.Concurrent.ConcurrentBag<string>();
        var (receiver, baseUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            received.Add(context.Request.Headers[WebhookChannel.IdempotencyHeader].ToString());
            await Task.Delay(600);
            return Results.Ok();
        }));
        await using var _ = receiver;

        var timeout = TimeSpan.FromSeconds(2);
        await using var services = ChannelTestKit.Services(new Dictionary<string, string?>
        {
            ["SecurityCoach:Coaching:MaxConnectionsPerEndpoint"] = "2",
            ["SecurityCoach:Coaching:ChannelTimeout"] = timeout.ToString(),
        });
        var webhook = new WebhookChannel(services.GetRequiredService<HttpDelivery>(), TimeProvider.System);

        // 12 deliveries, 2 at a time, each answered in 0.6 s: turns come at 0, 0.6, 1.2, 1.8, 2.4 and 3.0 s.
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // User info in the URL must not reach the attempt's error (logs and the API show it).
            var result = await webhook.SendAsync(new ChannelDefinition("webhook", baseUrl.Replace("http://", "http://ops:hunter2@", StringComparison.Ordinal) + "/hook", "secret-0123456789"),
                ChannelTestKit.Message() with { CoachingId = $"c-{i}" }, default);
            return (result, clock.Elapsed);
        }));

        var delivered = results.Where(r => r.result.Delivered).ToArray();
        // Waiting for a turn is not the receiver's time: a delivery that waited and then answered in 0.6 s is
        // delivered even when the two together took longer than the timeout (counted from the queue, it timed out).
        Assert.Contains(delivered, r => r.Elapsed > timeout);
        Assert.DoesNotContain(results, r => r.result.ErrorName == ChannelErrors.Timeout);
        // Those whose turn did not come within the timeout failed as transient and were never sent: retrying them
        // cannot make a duplicate.
        Assert.All(results.Where(r => !r.result.Delivered), r =>
        {
            Assert.Equal(ChannelErrors.Transient, r.result.ErrorName);
            Assert.Contains("stayed busy", r.result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", r.result.Error, StringComparison.Ordinal);
        });
        Assert.Equal(delivered.Length, received.Count);
        Assert.Equal(received.Count, received.Distinct().Count());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
