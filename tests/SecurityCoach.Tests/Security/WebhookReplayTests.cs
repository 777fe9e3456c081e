using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SecurityCoach.Benchmarks.Load;
using SecurityCoach.Notifications;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Notifications;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// A receiver that checks deliveries as the README says (HMAC of <c>t.body</c>, compared in constant time, <c>t</c> within
/// 5 minutes) takes a fresh delivery and refuses the same delivery replayed later, altered, or signed with another secret.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class WebhookReplayTests(SiloFactory silo)
{
    private const string Secret = "replay-secret-0123456789";

    /// <summary>The README's check, written out here rather than through WebhookSignature.Verify, so the recipe itself is tested.</summary>
    private static bool ReadmeCheck(string header, byte[] body, string secret, DateTimeOffset now)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var t = long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{t}."), .. body];
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"]))
            && Math.Abs(now.ToUnixTimeSeconds() - t) <= 300;
    }

    [Fact]
    public async Task A_captured_delivery_is_accepted_fresh_and_refused_when_replayed_six_minutes_later_altered_or_under_another_secret()
    {
        string? header = null;
        byte[]? body = null;
        var (receiver, url) = await LoopbackServer.StartAsync(app => app.MapPost("/hook", async (HttpContext context) =>
        {
            header = context.Request.Headers[WebhookSignature.Header].ToString();
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            body = buffer.ToArray();
            return Results.Ok();
        }));
        await using var _ = receiver;
        var webhook = new WebhookChannel(ChannelTestKit.Http(), TimeProvider.System);

        var result = await webhook.SendAsync(new ChannelDefinition("webhook", url + "/hook", Secret), ChannelTestKit.Message(), default);
        var received = DateTimeOffset.UtcNow;

        Assert.True(result.Delivered, result.Error);
        Assert.True(ReadmeCheck(header!, body!, Secret, received));
        Assert.False(ReadmeCheck(header!, body!, Secret, received.AddMinutes(6)));
        Assert.False(ReadmeCheck(header!, [.. body!, (byte)' '], Secret, received));
        Assert.False(ReadmeCheck(header!, body!, "another-secret-0123456789", received));
        Assert.Equal(WebhookSignatureCheck.Valid, WebhookSignature.Verify(header, body, Secret, received, WebhookSignature.DefaultTolerance));
        Assert.Equal(WebhookSignatureCheck.TooOld, WebhookSignature.Verify(header, body, Secret, received.AddMinutes(6), WebhookSignature.DefaultTolerance));
        Assert.Equal(WebhookSignatureCheck.Mismatch, WebhookSignature.Verify(header, [.. body!, (byte)' '], Secret, received, WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public async Task The_dev_inbox_takes_a_fresh_signed_delivery_and_refuses_a_replayed_one()
    {
        var name = "replay-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/dev/inbox/{name}", new StringContent($$"""{"secret":"{{Secret}}"}""", Encoding.UTF8, "application/json"))).StatusCode);
        var body = Encoding.UTF8.GetBytes("""{"coachingId":"c1","tip":{"title":"t","body":"b"}}""");
        using var anonymous = silo.CreateClient();

        async Task<HttpStatusCode> Post(DateTimeOffset signedAt)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/dev/inbox/{name}") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, Secret, signedAt));
            using var response = await anonymous.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await Post(DateTimeOffset.UtcNow.AddMinutes(-6)));
        Assert.Equal(HttpStatusCode.OK, await Post(DateTimeOffset.UtcNow));
        var inbox = await admin.GetStringAsync($"/dev/inbox/{name}");
        Assert.Contains("\"c1\"", inbox, StringComparison.Ordinal);
    }
}
