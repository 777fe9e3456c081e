using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Notifications;
using SecurityCoach.Tests.Infrastructure;

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

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["SecurityCoach:Coaching:MaxConnectionsPerEndpoint"] = $"{limit}" })
            .Build();
        await using var services = new ServiceCollection().AddLogging().AddSecurityCoachGrains(configuration).BuildServiceProvider();
        var webhook = new WebhookChannel(services.GetRequiredService<HttpDelivery>());

        var sends = Enumerable.Range(0, 3 * limit).Select(_ =>
            webhook.SendAsync(new ChannelDefinition("webhook", url, "secret-0123456789"), ChannelTestKit.Message(), default));
        var results = await Task.WhenAll(sends);

        Assert.All(results, r => Assert.True(r.Delivered, r.Error));
        Assert.Equal(limit, mostInFlight);
        Assert.Equal(limit, connections.Count);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
