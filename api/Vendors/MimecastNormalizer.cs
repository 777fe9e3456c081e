using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Mimecast email security logs. Targeted Threat Protection URL clicks become OCSF Email URL Activity (4011);
/// SIEM mail-flow records (receipt, process, delivery: <c>datetime</c>, <c>Rcpt</c>, <c>Act</c>) and TTP
/// attachment and impersonation logs become Email Activity (4009). Mimecast's API page
/// <c>{"meta":…,"data":[…],"fail":[…]}</c> is unwrapped, including the log lists its TTP calls nest in a data item
/// (<c>data[0].clickLogs[…]</c>); <c>fail</c> lists the API's own errors, not records, and is ignored.
/// </summary>
/// <remarks>
/// The user is the person the mail was for: <c>userEmailAddress</c> of a click, <c>recipientAddress</c> of a TTP
/// log, <c>Rcpt</c> of a SIEM record, except that outbound mail is coached to its sender. None of these logs has an
/// id of its own (<c>aCode</c> names a message across all its SIEM records), so the event id is the hash of the record.
/// </remarks>
internal sealed class MimecastNormalizer : IEventNormalizer
{
    private const string ClickLogs = "clickLogs";
    private const string AttachmentLogs = "attachmentLogs";
    private const string ImpersonationLogs = "impersonationLogs";

    private static readonly Utf8NameSet ClickMapped = new(
        "userEmailAddress", "fromUserEmailAddress", "url", "date", "category", "scanResult", "action", "subject",
        "messageId", "sendingIp", "route");

    private static readonly Utf8NameSet TtpMapped = new(
        "recipientAddress", "senderAddress", "date", "eventTime", "subject", "messageId", "senderIpAddress", "fileName",
        "fileHash", "result", "action", "route", "definition");

    private static readonly Utf8NameSet SiemMapped = new(
        "datetime", "Rcpt", "Sender", "headerFrom", "Subject", "MsgId", "IP", "Dir", "Act", "Virus", "MsgSize");

    public string Vendor => "mimecast";

    public void AddRecords(JsonElement value, List<VendorRecord> records)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("data"u8, out var data)
            || data.ValueKind != JsonValueKind.Array)
        {
            records.Add(new VendorRecord(value));
            return;
        }

        var index = 0;
        foreach (var item in data.EnumerateArray())
        {
            if (!AddNested(item, index, records))
            {
                records.Add(new VendorRecord(item, "data", index));
            }

            index++;
        }
    }

    /// <summary>The log lists of a TTP data item, each item with its path (<c>data[0].clickLogs</c>) as envelope.</summary>
    private static bool AddNested(JsonElement item, int index, List<VendorRecord> records)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var found = false;
        foreach (var member in (ReadOnlySpan<string>)[ClickLogs, AttachmentLogs, ImpersonationLogs])
        {
            if (item.TryGetProperty(member, out var logs) && logs.ValueKind == JsonValueKind.Array)
            {
                found = true;
                var envelope = $"data[{index}].{member}";
                var position = 0;
                foreach (var log in logs.EnumerateArray())
                {
                    records.Add(new VendorRecord(log, envelope, position++));
                }
            }
        }

        return found;
    }

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var envelope = context.Envelope;
        if (envelope?.EndsWith(ClickLogs, StringComparison.Ordinal) == true
            || (raw.Prop("userEmailAddress"u8).HasText() && raw.Prop("url"u8).HasText()))
        {
            return TryClick(raw, context, out normalized, out error);
        }

        if (envelope?.EndsWith(AttachmentLogs, StringComparison.Ordinal) == true
            || envelope?.EndsWith(ImpersonationLogs, StringComparison.Ordinal) == true
            || raw.Prop("recipientAddress"u8).HasText())
        {
            return TryTtpLog(raw, context, out normalized, out error);
        }

        return raw.Prop("datetime"u8).HasText() || raw.Prop("Rcpt"u8).HasText()
            ? TrySiem(raw, context, out normalized, out error)
            : VendorJson.Fail("not a Mimecast log: expected a TTP URL click (userEmailAddress, url), a TTP attachment or impersonation log (recipientAddress) or a SIEM record (datetime, Rcpt)",
                out normalized, out error);
    }

    private bool TryClick(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        var user = raw.Prop("userEmailAddress"u8);
        if (!user.HasText())
        {
            return VendorJson.Fail("no user: expected userEmailAddress", out normalized, out error);
        }

        var userKey = VendorJson.UserKey(user);
        var eventId = VendorJson.HashId(JsonMarshal.GetRawUtf8Value(raw));
        var date = raw.Prop("date"u8);
        var time = VendorTime.TryIso8601(date, out var at) ? at : context.ReceivedAtMs;
        var action = raw.Prop("action"u8);
        var disposition = ClickDisposition(action);
        var malicious = raw.Prop("scanResult"u8).TryGetText(out var scan) && Ascii.EqualsIgnoreCase(scan, "malicious"u8);

        var writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.EmailUrlActivityClass, 3);
        writer.WriteSeverity(!malicious ? OcsfSeverity.Informational
            : disposition == OcsfDisposition.Blocked ? OcsfSeverity.Low
            : OcsfSeverity.High);
        writer.WriteNumber("time"u8, time);
        writer.WriteMetadata(eventId, date, "Mimecast Targeted Threat Protection"u8, "Mimecast"u8, "clickLogs"u8);
        writer.WriteActor(user, default, default, default);
        writer.WriteEndpoint("src_endpoint"u8, default, raw.Prop("sendingIp"u8));
        writer.WriteUrl(raw.Prop("url"u8), default, [raw.Prop("category"u8)]);
        writer.WriteStartObject("email"u8);
        writer.WriteText("message_uid"u8, raw.Prop("messageId"u8));
        writer.WriteText("from"u8, raw.Prop("fromUserEmailAddress"u8));
        writer.WriteTextArray("to"u8, [user]);
        writer.WriteText("subject"u8, raw.Prop("subject"u8));
        writer.WriteEndObject();
        WriteDirection(writer, raw.Prop("route"u8));
        writer.WriteDisposition(disposition, action);
        writer.WriteUnmapped(raw, ClickMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    /// <summary>Attachment Protect and Impersonation Protect logs: a verdict on one message for its recipient.</summary>
    private bool TryTtpLog(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        var user = raw.Prop("recipientAddress"u8);
        if (!user.HasText())
        {
            return VendorJson.Fail("no user: expected recipientAddress", out normalized, out error);
        }

        var userKey = VendorJson.UserKey(user);
        var eventId = VendorJson.EventId(raw.Prop("id"u8), raw);
        var date = raw.Prop("date"u8).Or(raw.Prop("eventTime"u8));
        var time = VendorTime.TryIso8601(date, out var at) ? at : context.ReceivedAtMs;
        var isAttachment = raw.Prop("fileName"u8).HasText() || raw.Prop("result"u8).HasText();
        var action = isAttachment ? raw.Prop("actionTriggered"u8) : raw.Prop("action"u8);
        var malicious = raw.Prop("result"u8).TryGetText(out var result) && Ascii.EqualsIgnoreCase(result, "malicious"u8)
            || raw.Prop("taggedMalicious"u8).ValueKind == JsonValueKind.True;

        var writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.EmailActivityClass, 3);
        writer.WriteSeverity(malicious ? OcsfSeverity.Medium : OcsfSeverity.Low);
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, raw.Prop("definition"u8).Or(raw.Prop("subject"u8)));
        writer.WriteMetadata(eventId, date, "Mimecast Targeted Threat Protection"u8, "Mimecast"u8,
            isAttachment ? "attachmentLogs"u8 : "impersonationLogs"u8);
        writer.WriteActor(user, default, default, default);
        writer.WriteEndpoint("src_endpoint"u8, default, raw.Prop("senderIpAddress"u8));
        writer.WriteStartObject("email"u8);
        writer.WriteText("message_uid"u8, raw.Prop("messageId"u8));
        writer.WriteText("from"u8, raw.Prop("senderAddress"u8));
        writer.WriteTextArray("to"u8, [user]);
        writer.WriteText("subject"u8, raw.Prop("subject"u8));
        writer.WriteEndObject();
        WriteDirection(writer, raw.Prop("route"u8));
        writer.WriteFile(raw.Prop("fileName"u8), default, raw.Prop("fileHash"u8), default);
        writer.WriteDisposition(TtpDisposition(action), action);
        writer.WriteUnmapped(raw, TtpMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    private bool TrySiem(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        // Outbound mail was sent by the tenant's own user, who is the one to coach; other mail by its recipient.
        var direction = raw.Prop("Dir"u8);
        var outbound = direction.TryGetText(out var dir) && Ascii.EqualsIgnoreCase(dir, "Outbound"u8);
        var user = outbound ? raw.Prop("Sender"u8) : raw.Prop("Rcpt"u8);
        if (!user.HasText())
        {
            return VendorJson.Fail(outbound ? "no user: outbound record without Sender" : "no user: expected Rcpt",
                out normalized, out error);
        }

        var userKey = VendorJson.UserKey(user);
        var eventId = VendorJson.HashId(JsonMarshal.GetRawUtf8Value(raw));
        var date = raw.Prop("datetime"u8);
        var time = VendorTime.TryIso8601(date, out var at) ? at : context.ReceivedAtMs;
        var act = raw.Prop("Act"u8);
        var virus = raw.Prop("Virus"u8);

        var writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.EmailActivityClass, outbound ? 1 : 2);
        writer.WriteSeverity(virus.HasText() ? OcsfSeverity.High : OcsfSeverity.Informational);
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, raw.Prop("Subject"u8));
        writer.WriteMetadata(eventId, date, "Mimecast Email Security"u8, "Mimecast"u8, raw.Prop("aCode"u8));
        writer.WriteActor(user, default, default, default);
        writer.WriteEndpoint("src_endpoint"u8, default, raw.Prop("IP"u8));
        writer.WriteStartObject("email"u8);
        writer.WriteText("message_uid"u8, raw.Prop("MsgId"u8));
        writer.WriteText("from"u8, raw.Prop("headerFrom"u8).Or(raw.Prop("Sender"u8)));
        writer.WriteText("smtp_from"u8, raw.Prop("Sender"u8));
        writer.WriteTextArray("to"u8, [raw.Prop("Rcpt"u8)]);
        writer.WriteText("subject"u8, raw.Prop("Subject"u8));
        if (raw.Prop("MsgSize"u8).ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName("size"u8);
            raw.Prop("MsgSize"u8).WriteTo(writer);
        }

        writer.WriteEndObject();
        WriteDirection(writer, direction);
        if (virus.HasText())
        {
            writer.WriteStartObject("malware"u8);
            writer.WriteText("name"u8, virus);
            writer.WriteEndObject();
        }

        if (act.HasText())
        {
            writer.WriteDisposition(SiemDisposition(act), act);
        }

        writer.WriteUnmapped(raw, SiemMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    /// <summary>Mimecast's route (<c>inbound</c>, <c>outbound</c>, <c>internal</c>) as OCSF <c>direction_id</c> 1–3.</summary>
    private static void WriteDirection(Utf8JsonWriter writer, JsonElement route)
    {
        if (!route.TryGetText(out var text))
        {
            return;
        }

        if (Ascii.EqualsIgnoreCase(text, "inbound"u8))
        {
            WriteDirection(writer, 1, "Inbound"u8);
        }
        else if (Ascii.EqualsIgnoreCase(text, "outbound"u8))
        {
            WriteDirection(writer, 2, "Outbound"u8);
        }
        else if (Ascii.EqualsIgnoreCase(text, "internal"u8))
        {
            WriteDirection(writer, 3, "Internal"u8);
        }
        else
        {
            WriteDirection(writer, 0, "Unknown"u8);
        }
    }

    private static void WriteDirection(Utf8JsonWriter writer, int id, ReadOnlySpan<byte> caption)
    {
        writer.WriteNumber("direction_id"u8, id);
        writer.WriteString("direction"u8, caption);
    }

    /// <summary>A click's <c>action</c>: allow → Allowed, block → Blocked; warn (a warning page) is Mimecast's own word.</summary>
    private static OcsfDisposition ClickDisposition(JsonElement action) =>
        !action.TryGetText(out var text) ? OcsfDisposition.Unknown
        : Ascii.EqualsIgnoreCase(text, "allow"u8) ? OcsfDisposition.Allowed
        : Ascii.EqualsIgnoreCase(text, "block"u8) ? OcsfDisposition.Blocked
        : OcsfDisposition.Other;

    /// <summary>TTP actions: none/allow let the mail through; hold, bounce, reject and sandbox stop it.</summary>
    private static OcsfDisposition TtpDisposition(JsonElement action) =>
        !action.TryGetText(out var text) ? OcsfDisposition.Unknown
        : Ascii.EqualsIgnoreCase(text, "none"u8) || Ascii.EqualsIgnoreCase(text, "allow"u8) ? OcsfDisposition.Allowed
        : Ascii.EqualsIgnoreCase(text, "hold"u8) ? OcsfDisposition.Quarantined
        : Ascii.EqualsIgnoreCase(text, "bounce"u8) || Ascii.EqualsIgnoreCase(text, "reject"u8)
            || Ascii.EqualsIgnoreCase(text, "block"u8) ? OcsfDisposition.Blocked
        : OcsfDisposition.Other;

    /// <summary>SIEM <c>Act</c>: Acc(epted) → Allowed, Hld (held) → Quarantined, Rej(ected)/Bnc (bounced) → Blocked.</summary>
    private static OcsfDisposition SiemDisposition(JsonElement act) =>
        !act.TryGetText(out var text) ? OcsfDisposition.Unknown
        : Ascii.EqualsIgnoreCase(text, "Acc"u8) ? OcsfDisposition.Allowed
        : Ascii.EqualsIgnoreCase(text, "Hld"u8) ? OcsfDisposition.Quarantined
        : Ascii.EqualsIgnoreCase(text, "Rej"u8) || Ascii.EqualsIgnoreCase(text, "Bnc"u8) ? OcsfDisposition.Blocked
        : OcsfDisposition.Other;
}
