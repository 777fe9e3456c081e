using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Palo Alto Networks PAN-OS logs as the firewall sends them by syslog: a BSD (or RFC 5424) header, then the CSV
/// record in the default field order. THREAT logs of subtype url become OCSF HTTP Activity (4002), TRAFFIC logs
/// Network Activity (4001); other log types are rejected. Times carry no zone: they are read in the integration's
/// zone (<c>SecurityCoach:Ingest:TimeZones:paloalto</c>, default UTC).
/// </summary>
/// <remarks>
/// The user is the source user (field 13), <c>DOMAIN\user</c> or a UPN, as User-ID mapped it; a line with no
/// source user is keyed by its source address (an IP identity, which only the tenant's aliases resolve), and one
/// without either is rejected. The event id is the firewall serial and the log's sequence number, which PAN-OS
/// numbers uniquely per firewall.
/// </remarks>
internal sealed class PanOsNormalizer : ILineNormalizer
{
    // Field positions of the default PAN-OS 9.1+ syslog formats, from 0 (the leading FUTURE_USE field).
    private const int Serial = 2;
    private const int Type = 3;
    private const int Subtype = 4;
    private const int GeneratedTime = 6;
    private const int ReceiveTime = 1;
    private const int SourceIp = 7;
    private const int DestinationIp = 8;
    private const int SourceUser = 12;
    private const int SourcePort = 24;
    private const int DestinationPort = 25;
    private const int Protocol = 29;
    private const int Action = 30;
    private const int ThreatUrl = 31;
    private const int ThreatCategory = 33;
    private const int ThreatSeverity = 34;
    private const int ThreatSequence = 36;
    private const int ThreatUserAgent = 46;
    private const int ThreatReferer = 49;
    private const int ThreatHttpMethod = 63;
    private const int TrafficBytesSent = 32;
    private const int TrafficBytesReceived = 33;
    private const int TrafficPackets = 34;
    private const int TrafficSequence = 39;
    private const int MaxFields = 128;

    private static readonly string[] ThreatFields =
    [
        "future_use", "receive_time", "serial", "type", "subtype", "future_use", "time_generated", "src", "dst",
        "natsrc", "natdst", "rule", "srcuser", "dstuser", "app", "vsys", "from", "to", "inbound_if", "outbound_if",
        "logset", "future_use", "sessionid", "repeatcnt", "sport", "dport", "natsport", "natdport", "flags", "proto",
        "action", "misc", "threatid", "category", "severity", "direction", "seqno", "actionflags", "srcloc", "dstloc",
        "future_use", "contenttype", "pcap_id", "filedigest", "cloud", "url_idx", "user_agent", "filetype", "xff",
        "referer", "sender", "subject", "recipient", "reportid", "dg_hier_level_1", "dg_hier_level_2",
        "dg_hier_level_3", "dg_hier_level_4", "vsys_name", "device_name", "future_use", "src_uuid", "dst_uuid",
        "http_method", "tunnel_id", "monitortag", "parent_session_id", "parent_start_time", "tunnel", "thr_category",
        "contentver", "future_use", "assoc_id", "ppid", "http_headers", "url_category_list", "rule_uuid",
        "http2_connection", "dynusergroup_name",
    ];

    private static readonly string[] TrafficFields =
    [
        "future_use", "receive_time", "serial", "type", "subtype", "future_use", "time_generated", "src", "dst",
        "natsrc", "natdst", "rule", "srcuser", "dstuser", "app", "vsys", "from", "to", "inbound_if", "outbound_if",
        "logset", "future_use", "sessionid", "repeatcnt", "sport", "dport", "natsport", "natdport", "flags", "proto",
        "action", "bytes", "bytes_sent", "bytes_received", "packets", "start", "elapsed", "category", "future_use",
        "seqno", "actionflags", "srcloc", "dstloc", "future_use", "pkts_sent", "pkts_received", "session_end_reason",
        "dg_hier_level_1", "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4", "vsys_name", "device_name",
        "action_source", "src_uuid", "dst_uuid", "tunnelid", "monitortag", "parent_session_id", "parent_start_time",
        "tunnel",
    ];

    private static readonly int[] ThreatMapped =
        [Type, GeneratedTime, SourceIp, DestinationIp, SourceUser, SourcePort, DestinationPort, ThreatUrl, ThreatCategory,
         ThreatSeverity, ThreatUserAgent, ThreatReferer, ThreatHttpMethod];

    private static readonly int[] TrafficMapped =
        [Type, GeneratedTime, SourceIp, DestinationIp, SourceUser, SourcePort, DestinationPort, Protocol,
         TrafficBytesSent, TrafficBytesReceived, TrafficPackets];

    public string Vendor => "paloalto";

    /// <summary>A JSON string holds one log line (a shipper's JSON array of lines).</summary>
    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error) =>
        raw.ValueKind == JsonValueKind.String
            ? TryNormalizeLine(Encoding.UTF8.GetBytes(raw.GetString()!), context, out normalized, out error)
            : VendorJson.Fail("expected a PAN-OS log line: send text/plain, or JSON strings", out normalized, out error);

    public bool TryNormalizeLine(ReadOnlySpan<byte> line, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        // The CSV starts after the header's last space before the first comma: the header has spaces and no
        // comma, the first CSV field (FUTURE_USE) neither.
        var firstComma = line.IndexOf((byte)',');
        if (firstComma < 0)
        {
            return VendorJson.Fail("not a PAN-OS log line: no CSV fields", out normalized, out error);
        }

        var csv = line[(line[..firstComma].LastIndexOf((byte)' ') + 1)..];
        Span<Range> ranges = stackalloc Range[MaxFields];
        var fields = ranges[..CsvLine.Split(csv, ranges)];
        var type = CsvLine.Field(csv, fields, Type);
        var subtype = CsvLine.Field(csv, fields, Subtype);
        var isUrl = type.SequenceEqual("THREAT"u8) && subtype.SequenceEqual("url"u8);
        var isTraffic = type.SequenceEqual("TRAFFIC"u8);
        if (fields.Length <= Action || (!isUrl && !isTraffic))
        {
            return VendorJson.Fail(fields.Length <= Action
                    ? "not a PAN-OS log line: too few CSV fields"
                    : $"unsupported PAN-OS log {Encoding.UTF8.GetString(type)}/{Encoding.UTF8.GetString(subtype)}: THREAT/url and TRAFFIC are normalized",
                out normalized, out error);
        }

        // Without a source user (User-ID mapped none to the address), the source address is the identity.
        var user = CsvLine.Field(csv, fields, SourceUser).Trim(" "u8);
        var sourceIp = CsvLine.Field(csv, fields, SourceIp).Trim(" "u8);
        if (user.IsEmpty && sourceIp.IsEmpty)
        {
            return VendorJson.Fail("no user and no source address: the source user (field 13) and the source address (field 8) are empty",
                out normalized, out error);
        }

        var kind = user.IsEmpty ? IdentityKind.Ip : IdentityKind.Account;
        var userKey = user.IsEmpty ? Encoding.UTF8.GetString(sourceIp) : Encoding.UTF8.GetString(user).ToLowerInvariant();
        var sequence = CsvLine.Field(csv, fields, isUrl ? ThreatSequence : TrafficSequence);
        var serial = CsvLine.Field(csv, fields, Serial);
        var eventId = sequence.IsEmpty || serial.IsEmpty
            ? VendorJson.HashId(line)
            : $"{Encoding.UTF8.GetString(serial)}:{Encoding.UTF8.GetString(sequence)}";
        var timeText = CsvLine.Field(csv, fields, GeneratedTime);
        var time = VendorTime.TryPanOs(timeText, context.TimeZone, out var at)
            || VendorTime.TryPanOs(CsvLine.Field(csv, fields, ReceiveTime), context.TimeZone, out at)
            ? at
            : context.ReceivedAtMs;
        var action = CsvLine.Field(csv, fields, Action);

        Utf8JsonWriter writer;
        if (isUrl)
        {
            var method = CsvLine.Field(csv, fields, ThreatHttpMethod);
            writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.HttpActivityClass,
                method.IsEmpty ? 0 : OcsfSchema.HttpActivity(method));
            var severity = OcsfSchema.SeverityFromName(CsvLine.Field(csv, fields, ThreatSeverity));
            writer.WriteSeverity(severity);
        }
        else
        {
            writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.NetworkActivityClass, TrafficActivity(subtype));
            writer.WriteSeverity(OcsfSeverity.Informational);
        }

        writer.WriteNumber("time"u8, time);
        writer.WriteMetadata(eventId, timeText, "PAN-OS"u8, "Palo Alto Networks"u8, type);
        if (!user.IsEmpty)
        {
            WriteUser(writer, user);
        }

        WriteEndpoint(writer, "src_endpoint"u8, CsvLine.Field(csv, fields, SourceIp), CsvLine.Field(csv, fields, SourcePort));
        WriteEndpoint(writer, "dst_endpoint"u8, CsvLine.Field(csv, fields, DestinationIp), CsvLine.Field(csv, fields, DestinationPort));
        if (isUrl)
        {
            WriteUrl(writer, CsvLine.Field(csv, fields, ThreatUrl), CsvLine.Field(csv, fields, ThreatCategory));
            WriteHttpRequest(writer, CsvLine.Field(csv, fields, ThreatHttpMethod), CsvLine.Field(csv, fields, ThreatUserAgent),
                CsvLine.Field(csv, fields, ThreatReferer));
        }
        else
        {
            WriteTraffic(writer, csv, fields);
        }

        var disposition = Disposition(action);
        if (disposition == OcsfDisposition.Other)
        {
            writer.WriteString("disposition"u8, action);
            writer.WriteNumber("disposition_id"u8, (int)OcsfDisposition.Other);
        }
        else
        {
            writer.WriteDisposition(disposition, default);
        }

        WriteUnmapped(writer, csv, fields, isUrl ? ThreatFields : TrafficFields, isUrl ? ThreatMapped : TrafficMapped);
        var json = OcsfOutput.End(writer, line, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json) { IdentityKind = kind };
        error = null;
        return true;
    }

    /// <summary>TRAFFIC subtypes: start Open (1), end Close (2), drop and deny Refuse (5).</summary>
    private static int TrafficActivity(ReadOnlySpan<byte> subtype) => subtype switch
    {
        _ when subtype.SequenceEqual("start"u8) => 1,
        _ when subtype.SequenceEqual("end"u8) => 2,
        _ when subtype.SequenceEqual("drop"u8) || subtype.SequenceEqual("deny"u8) => 5,
        _ => OcsfSchema.OtherActivity,
    };

    /// <summary>
    /// Allowed: allow, alert (URL filtering logged and let it through), continue and override (the user went on past
    /// a warning page). Blocked: every block-*, deny, drop and reset-*.
    /// </summary>
    private static OcsfDisposition Disposition(ReadOnlySpan<byte> action)
    {
        if (action.SequenceEqual("allow"u8) || action.SequenceEqual("alert"u8) || action.SequenceEqual("continue"u8)
            || action.SequenceEqual("override"u8))
        {
            return OcsfDisposition.Allowed;
        }

        return action.StartsWith("block"u8) || action.StartsWith("reset"u8) || action.StartsWith("drop"u8)
            || action.SequenceEqual("deny"u8)
            ? OcsfDisposition.Blocked
            : OcsfDisposition.Other;
    }

    /// <summary><c>actor.user</c>: a UPN as e-mail and name, <c>DOMAIN\user</c> as name with its domain.</summary>
    private static void WriteUser(Utf8JsonWriter writer, ReadOnlySpan<byte> user)
    {
        writer.WriteStartObject("actor"u8);
        writer.WriteStartObject("user"u8);
        if (user.Contains((byte)'@'))
        {
            writer.WriteString("email_addr"u8, user);
        }

        writer.WriteString("name"u8, user);
        var backslash = user.IndexOf((byte)'\\');
        if (backslash > 0)
        {
            writer.WriteString("domain"u8, user[..backslash]);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> ip, ReadOnlySpan<byte> port)
    {
        if (ip.IsEmpty)
        {
            return;
        }

        writer.WriteStartObject(name);
        writer.WriteString("ip"u8, ip);
        if (System.Buffers.Text.Utf8Parser.TryParse(port, out int number, out var consumed) && consumed == port.Length && number > 0)
        {
            writer.WriteNumber("port"u8, number);
        }

        writer.WriteEndObject();
    }

    private static void WriteUrl(Utf8JsonWriter writer, ReadOnlySpan<byte> url, ReadOnlySpan<byte> category)
    {
        if (url.IsEmpty)
        {
            return;
        }

        writer.WriteStartObject("url"u8);
        writer.WriteString("url_string"u8, url);
        var start = url.IndexOf("://"u8) is var scheme and >= 0 ? scheme + 3 : 0;
        var end = url[start..].IndexOfAny("/?#:"u8);
        writer.WriteString("hostname"u8, end < 0 ? url[start..] : url.Slice(start, end));
        if (!category.IsEmpty)
        {
            writer.WriteStartArray("categories"u8);
            writer.WriteStringValue(category);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteHttpRequest(Utf8JsonWriter writer, ReadOnlySpan<byte> method, ReadOnlySpan<byte> userAgent,
        ReadOnlySpan<byte> referer)
    {
        // PAN-OS writes "-" for a value it did not see.
        method = method.SequenceEqual("-"u8) ? [] : method;
        userAgent = userAgent.SequenceEqual("-"u8) ? [] : userAgent;
        referer = referer.SequenceEqual("-"u8) ? [] : referer;
        if (method.IsEmpty && userAgent.IsEmpty && referer.IsEmpty)
        {
            return;
        }

        writer.WriteStartObject("http_request"u8);
        writer.WriteText("http_method"u8, method);
        writer.WriteText("user_agent"u8, userAgent);
        writer.WriteText("referrer"u8, referer);
        writer.WriteEndObject();
    }

    private static void WriteTraffic(Utf8JsonWriter writer, ReadOnlySpan<byte> csv, ReadOnlySpan<Range> fields)
    {
        var protocol = CsvLine.Field(csv, fields, Protocol);
        if (!protocol.IsEmpty)
        {
            writer.WriteStartObject("connection_info"u8);
            writer.WriteString("protocol_name"u8, protocol);
            writer.WriteEndObject();
        }

        writer.WriteStartObject("traffic"u8);
        WriteCount(writer, "bytes_out"u8, CsvLine.Field(csv, fields, TrafficBytesSent));
        WriteCount(writer, "bytes_in"u8, CsvLine.Field(csv, fields, TrafficBytesReceived));
        WriteCount(writer, "packets"u8, CsvLine.Field(csv, fields, TrafficPackets));
        writer.WriteEndObject();
    }

    private static void WriteCount(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> text)
    {
        if (System.Buffers.Text.Utf8Parser.TryParse(text, out long count, out var consumed) && consumed == text.Length)
        {
            writer.WriteNumber(name, count);
        }
    }

    /// <summary>The fields the output does not carry, by their PAN-OS names (fields past the known list as field_N).</summary>
    private static void WriteUnmapped(Utf8JsonWriter writer, ReadOnlySpan<byte> csv, ReadOnlySpan<Range> fields,
        string[] names, int[] mapped)
    {
        writer.WriteStartObject("unmapped"u8);
        for (var i = 0; i < fields.Length; i++)
        {
            var value = CsvLine.Field(csv, fields, i);
            if (value.IsEmpty || Array.IndexOf(mapped, i) >= 0 || (i < names.Length && names[i] == "future_use"))
            {
                continue;
            }

            if (i < names.Length)
            {
                writer.WriteString(names[i], value);
            }
            else
            {
                writer.WriteString($"field_{i + 1}", value);
            }
        }

        writer.WriteEndObject();
    }
}
