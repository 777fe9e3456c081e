using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Http;

/// <summary>A request that does not complete in time (here 1 s) is answered 408 and changes nothing.</summary>
public sealed class RequestTimeoutTests
{
    /// <summary>Sends the first half of a body, stalls, then the rest: a client trickling its upload.</summary>
    private sealed class StallingContent(string json, TimeSpan stall) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await Task.Delay(stall);
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    [Fact]
    public async Task A_body_sent_too_slowly_gets_408_and_publishes_nothing()
    {
        await using var silo = new SiloFactory(new Dictionary<string, string> { ["SecurityCoach:RequestTimeout"] = "00:00:01" });
        await silo.InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync();
        using var client = silo.ClientWithKey(key);

        using var slow = new StallingContent(VendorSamples.NetskopeAlert("slow@example.com", "slow-1"), TimeSpan.FromSeconds(3));
        slow.Headers.ContentType = new("application/json");
        using var timedOut = await client.PostAsync("/v1/ingest/netskope", slow);

        Assert.Equal(HttpStatusCode.RequestTimeout, timedOut.StatusCode);
        var problem = await timedOut.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https://securitycoach.dev/problems/request-timeout", problem.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/tenants/{tenantId}/users/slow@example.com")).StatusCode);

        // A request in time is not affected.
        using var quick = await client.PostAsync("/v1/ingest/netskope", new StringContent(VendorSamples.NetskopeAlert("quick@example.com", "quick-1"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, quick.StatusCode);
    }
}
