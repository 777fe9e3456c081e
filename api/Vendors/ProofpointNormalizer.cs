using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Proofpoint TAP SIEM API records. Clicks on rewritten URLs (<c>clicksPermitted</c>, <c>clicksBlocked</c>) become
/// OCSF Email URL Activity (4011): the event is about a URL that came by e-mail, which 4002 HTTP Activity cannot
/// say, and the URL, the click's IP and user agent all have a place there. Messages (<c>messagesDelivered</c>,
/// <c>messagesBlocked</c>) become Email Activity (4009). Both are TAP's verdict on something it scanned, so the
/// activity is Scan (3); mail reaching TAP is inbound.
/// </summary>
/// <remarks>
/// Only the envelope member says whether a click was permitted or a message delivered: a record posted without its
/// envelope is accepted without a disposition. The recipient is the user; a message to several recipients is
/// keyed to the first (all are in <c>email.to</c>).
/// </remarks>
internal sealed class ProofpointNormalizer : IEventNormalizer
{
    private const string ClicksPermitted = "clicksPermitted";
    private const string ClicksBlocked = "clicksBlocked";
    private const string MessagesDelivered = "messagesDelivered";
    private const string MessagesBlocked = "messagesBlocked";

    private static readonly Utf8NameSet ClickMapped = new(
        "id", "GUID", "clickTime", "recipient", "sender", "clickIP", "userAgent", "url", "classification", "messageID");

    private static readonly Utf8NameSet MessageMapped = new(
        "GUID", "messageTime", "recipient", "ccAddresses", "fromAddress", "sender",
        "senderIP", "subject", "messageID", "messageSize");

    public string Vendor => "proofpoint";

    public void AddRecords(JsonElement value, List<VendorRecord> records)
    {
        if (!VendorJson.TryAddEnvelopeItems(value, records, ClicksPermitted, ClicksBlocked, MessagesDelivered, MessagesBlocked))
        {
            records.Add(new VendorRecord(value));
        }
    }

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var envelope = context.Envelope;
        var isClick = envelope is ClicksPermitted or ClicksBlocked
            || (envelope is null && raw.Prop("clickTime"u8).HasText());
        var isMessage = envelope is MessagesDelivered or MessagesBlocked
            || (envelope is null && raw.Prop("messageTime"u8).HasText());
        if (!isClick && !isMessage)
        {
            return VendorJson.Fail("not a Proofpoint TAP click or message: missing clickTime and messageTime",
                out normalized, out error);
        }

        // recipient is a string in clicks and an array in messages; toAddresses (the To header) is the fallback.
        var recipients = HasAddress(raw.Prop("recipient"u8)) ? raw.Prop("recipient"u8) : raw.Prop("toAddresses"u8);
        var recipient = recipients.ValueKind == JsonValueKind.Array ? FirstText(recipients) : recipients;
        if (!recipient.HasText())
        {
            return VendorJson.Fail("no user: expected one of recipient, toAddresses", out normalized, out error);
        }

        var userKey = VendorJson.UserKey(recipient);
        var json = isClick
            ? Click(raw, envelope, recipient, context, userKey, out var eventId, out var time)
            : Message(raw, envelope, recipient, recipients, context, userKey, out eventId, out time);
        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    private static byte[] Click(JsonElement raw, string? envelope, JsonElement recipient, in NormalizationContext context,
        string userKey, out string eventId, out long time)
    {
        eventId = VendorJson.EventId(raw.Prop("id"u8).Or(raw.Prop("GUID"u8)), raw);
        var clickTime = raw.Prop("clickTime"u8);
        time = VendorTime.TryIso8601(clickTime, out var at) ? at : context.ReceivedAtMs;
        var classification = raw.Prop("classification"u8);
        var permitted = envelope == ClicksPermitted;

        var writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.EmailUrlActivityClass, 3);
        writer.WriteSeverity(Severity(classification, permitted ? true : envelope is null ? null : false));
        writer.WriteNumber("time"u8, time);
        writer.WriteMetadata(eventId, clickTime, "Proofpoint Targeted Attack Protection"u8, "Proofpoint"u8,
            EventCode(envelope));
        writer.WriteActor(recipient, default, default, default);
        writer.WriteEndpoint("src_endpoint"u8, default, raw.Prop("clickIP"u8));
        writer.WriteUrl(raw.Prop("url"u8), default, [classification]);
        if (raw.Prop("userAgent"u8).HasText())
        {
            writer.WriteStartObject("http_request"u8);
            writer.WriteText("user_agent"u8, raw.Prop("userAgent"u8));
            writer.WriteEndObject();
        }

        writer.WriteStartObject("email"u8);
        writer.WriteText("uid"u8, raw.Prop("GUID"u8));
        writer.WriteText("message_uid"u8, raw.Prop("messageID"u8));
        writer.WriteText("from"u8, raw.Prop("sender"u8));
        writer.WriteTextArray("to"u8, [recipient]);
        writer.WriteEndObject();
        writer.WriteNumber("direction_id"u8, 1);
        writer.WriteString("direction"u8, "Inbound"u8);
        if (envelope is not null)
        {
            writer.WriteDisposition(permitted ? OcsfDisposition.Allowed : OcsfDisposition.Blocked, default);
        }

        writer.WriteUnmapped(raw, ClickMapped);
        return OcsfOutput.End(writer, raw, context.TenantId, userKey);
    }

    private static byte[] Message(JsonElement raw, string? envelope, JsonElement recipient, JsonElement recipients,
        in NormalizationContext context, string userKey, out string eventId, out long time)
    {
        eventId = VendorJson.EventId(raw.Prop("GUID"u8), raw);
        var messageTime = raw.Prop("messageTime"u8);
        time = VendorTime.TryIso8601(messageTime, out var at) ? at : context.ReceivedAtMs;
        var threat = FirstThreat(raw);
        var classification = threat.Prop("classification"u8);
        var delivered = envelope == MessagesDelivered;
        var from = raw.Prop("fromAddress"u8);

        var writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.EmailActivityClass, 3);
        writer.WriteSeverity(Severity(classification, delivered ? true : envelope is null ? null : false));
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, raw.Prop("subject"u8));
        writer.WriteMetadata(eventId, messageTime, "Proofpoint Targeted Attack Protection"u8, "Proofpoint"u8,
            EventCode(envelope));
        writer.WriteActor(recipient, default, default, default);
        writer.WriteEndpoint("src_endpoint"u8, default, raw.Prop("senderIP"u8));
        writer.WriteStartObject("email"u8);
        writer.WriteText("uid"u8, raw.Prop("GUID"u8));
        writer.WriteText("message_uid"u8, raw.Prop("messageID"u8));
        writer.WriteText("from"u8, from.ValueKind == JsonValueKind.Array ? FirstText(from) : from.Or(raw.Prop("headerFrom"u8)));
        writer.WriteText("smtp_from"u8, raw.Prop("sender"u8));
        WriteAddresses(writer, "to"u8, recipients);
        WriteAddresses(writer, "cc"u8, raw.Prop("ccAddresses"u8));
        writer.WriteText("subject"u8, raw.Prop("subject"u8));
        if (raw.Prop("messageSize"u8).ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName("size"u8);
            raw.Prop("messageSize"u8).WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteNumber("direction_id"u8, 1);
        writer.WriteString("direction"u8, "Inbound"u8);
        if (threat.Prop("threatType"u8).TryGetText(out var threatType) && Ascii.EqualsIgnoreCase(threatType, "url"u8))
        {
            writer.WriteUrl(threat.Prop("threat"u8), default, [classification]);
        }

        var attachment = FirstAttachment(raw);
        writer.WriteFile(attachment.Prop("filename"u8), default, attachment.Prop("sha256"u8), attachment.Prop("md5"u8));
        if (envelope is not null)
        {
            writer.WriteDisposition(
                delivered ? OcsfDisposition.Allowed
                : raw.Prop("quarantineFolder"u8).HasText() ? OcsfDisposition.Quarantined
                : OcsfDisposition.Blocked, default);
        }

        writer.WriteUnmapped(raw, MessageMapped);
        return OcsfOutput.End(writer, raw, context.TenantId, userKey);
    }

    /// <summary>
    /// Malware, phish and impostor mail is High when it got through (permitted click, delivered message), spam
    /// Medium; anything TAP blocked is Low: the control worked. Without an envelope only the classification speaks:
    /// Medium for a threat, Low for spam.
    /// </summary>
    private static OcsfSeverity Severity(JsonElement classification, bool? gotThrough)
    {
        if (!classification.TryGetText(out var text))
        {
            return gotThrough == false ? OcsfSeverity.Low : OcsfSeverity.Unknown;
        }

        var serious = Ascii.EqualsIgnoreCase(text, "malware"u8) || Ascii.EqualsIgnoreCase(text, "phish"u8)
            || Ascii.EqualsIgnoreCase(text, "impostor"u8);
        return gotThrough switch
        {
            false => OcsfSeverity.Low,
            true => serious ? OcsfSeverity.High : OcsfSeverity.Medium,
            null => serious ? OcsfSeverity.Medium : OcsfSeverity.Low,
        };
    }

    private static ReadOnlySpan<byte> EventCode(string? envelope) => envelope switch
    {
        ClicksPermitted => "clicksPermitted"u8,
        ClicksBlocked => "clicksBlocked"u8,
        MessagesDelivered => "messagesDelivered"u8,
        MessagesBlocked => "messagesBlocked"u8,
        _ => [],
    };

    private static JsonElement FirstThreat(JsonElement raw)
    {
        var threats = raw.Prop("threatsInfoMap"u8);
        return threats.ValueKind == JsonValueKind.Array && threats.GetArrayLength() > 0 ? threats[0] : default;
    }

    private static JsonElement FirstAttachment(JsonElement raw)
    {
        var parts = raw.Prop("messageParts"u8);
        if (parts.ValueKind != JsonValueKind.Array)
        {
            return default;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (part.Prop("disposition"u8).TryGetText(out var disposition) && Ascii.EqualsIgnoreCase(disposition, "attached"u8))
            {
                return part;
            }
        }

        return default;
    }

    private static bool HasAddress(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? FirstText(value).HasText() : value.HasText();

    private static JsonElement FirstText(JsonElement array)
    {
        foreach (var item in array.EnumerateArray())
        {
            if (item.HasText())
            {
                return item;
            }
        }

        return default;
    }

    private static void WriteAddresses(Utf8JsonWriter writer, ReadOnlySpan<byte> name, JsonElement addresses)
    {
        if (addresses.ValueKind == JsonValueKind.String)
        {
            writer.WriteTextArray(name, [addresses]);
            return;
        }

        if (addresses.ValueKind != JsonValueKind.Array || !FirstText(addresses).HasText())
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var address in addresses.EnumerateArray())
        {
            if (address.HasText())
            {
                address.WriteTo(writer);
            }
        }

        writer.WriteEndArray();
    }
}
