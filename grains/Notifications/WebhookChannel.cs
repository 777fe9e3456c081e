using System.Buffers;
using System.Runtime.InteropServices;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SecurityCoach.Notifications;

/// <summary>
/// POSTs the coaching as JSON, signed with the time under the channel's secret (<see cref="WebhookSignature"/>), with
/// <c>Idempotency-Key: &lt;coachingId&gt;</c> so a receiver can drop the repeat of a delivery whose answer was lost.
/// </summary>
public sealed class WebhookChannel(HttpDelivery http, TimeProvider time) : ICoachingChannel
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Short enough to type, long enough that a guessed secret is not a risk.</summary>
    public const int MinSecretLength = 16;

    public string Type => "webhook";

    public IEnumerable<FieldError> Validate(ChannelDefinition channel, string path)
    {
        if (http.ValidateUrl(channel.Url, path) is { } urlError)
        {
            yield return urlError;
        }

        if (string.IsNullOrEmpty(channel.Secret) || channel.Secret.Length < MinSecretLength)
        {
            yield return new FieldError($"{path}.secret", $"must be at least {MinSecretLength} characters (it keys the HMAC signature)");
        }
    }

    public Task<ChannelResult> SendAsync(ChannelDefinition channel, CoachingMessage message, CancellationToken cancellationToken)
    {
        var body = Serialize(message);
        var request = new HttpRequestMessage(HttpMethod.Post, channel.Url) { Content = new ByteArrayContent(body.Array!, body.Offset, body.Count) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(body, channel.Secret, time.GetUtcNow()));
        request.Headers.TryAddWithoutValidation(WebhookSignature.LegacyHeader, WebhookSignature.SignLegacy(body, channel.Secret));
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, message.CoachingId);
        return SendAndDispose(message.TenantId, request, cancellationToken);
    }

    private async Task<ChannelResult> SendAndDispose(string tenantId, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await http.SendAsync("webhook", tenantId, request, cancellationToken);
        }
    }

    /// <summary>The body: the written part of the buffer it was written into (not copied out: a delivery is ≈ 3 KB).</summary>
    internal static ArraySegment<byte> Serialize(CoachingMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + message.EventJson.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("coachingId"u8, message.CoachingId);
            writer.WriteString("tenantId"u8, message.TenantId);
            writer.WriteString("userKey"u8, message.UserKey);
            writer.WriteString("campaignId"u8, message.CampaignId);
            writer.WriteString("eventId"u8, message.EventId);
            writer.WriteStartObject("tip"u8);
            writer.WriteString("title"u8, message.Tip.Title);
            writer.WriteString("body"u8, message.Tip.Body);
            writer.WriteEndObject();
            writer.WritePropertyName("event"u8);
            writer.WriteRawValue(message.EventJson, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return MemoryMarshal.TryGetArray(buffer.WrittenMemory, out var written)
            ? written
            : throw new InvalidOperationException("ArrayBufferWriter keeps its bytes in an array");
    }
}
