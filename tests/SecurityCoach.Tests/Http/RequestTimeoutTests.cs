using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Http;

/// <summary>
/// A request that does not complete in time (here 1 s) is answered 408 and changes nothing. Over real Kestrel and
/// a raw socket: the in-memory test server buffers a request body before the app sees it, so it cannot trickle one.
/// </summary>
public sealed class RequestTimeoutTests
{
    private const string AdminKey = "timeout-admin-key-0123456789";

    [Fact]
    public async Task A_body_sent_too_slowly_gets_408_and_publishes_nothing()
    {
        var port = FreePort.Next();
        await using var app = Program.Build([
            "--urls", $"http://127.0.0.1:{port}",
            "--SecurityCoach:AdminApiKey", AdminKey,
            "--SecurityCoach:RequestTimeout", "00:00:01",
            "--SecurityCoach:Local:SiloPort", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--SecurityCoach:Local:GatewayPort", FreePort.Next().ToString(CultureInfo.InvariantCulture),
        ]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        using var created = await http.PostAsJsonAsync("/v1/tenants", new { tenantId = "slowpoke", name = "Slow" });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;

        // Headers and half the body, then nothing for 3 s.
        var body = Encoding.UTF8.GetBytes(VendorSamples.NetskopeAlert("slow@example.com", "slow-1"));
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        var head = $"POST /v1/ingest/netskope HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = reader.ReadToEndAsync();
        var first = await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.True(first == answer, "no answer within 10 s to a request that stalled for longer than the 1 s timeout");
        var response = await answer;
        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        Assert.Contains("https://securitycoach.dev/problems/request-timeout", response, StringComparison.Ordinal);

        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/tenants/slowpoke/users/slow@example.com")).StatusCode);
        // A request in time is not affected.
        using var quick = await http.PostAsync("/v1/ingest/netskope", new StringContent(VendorSamples.NetskopeAlert("quick@example.com", "quick-1"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, quick.StatusCode);
        await app.StopAsync();
    }
}
