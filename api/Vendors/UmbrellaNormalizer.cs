using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Cisco Umbrella DNS and web-proxy logs as Umbrella exports them: CSV lines, every field quoted. DNS lines become
/// OCSF DNS Activity (4003), proxy lines HTTP Activity (4002). The two are told apart by where the action sits: the
/// 6th field of a DNS line, the 7th of a proxy line. Times carry no zone; Umbrella writes UTC, and the integration's
/// zone (<c>SecurityCoach:Ingest:TimeZones:umbrella</c>, default UTC) applies for exports that were converted.
/// </summary>
/// <remarks>
/// The user comes from the identities column (all identities of the request, with the identity types column beside
/// it): the first identity holding an e-mail address (Umbrella writes AD users with a mail as
/// <c>Jane Doe (jdoe@corp.example)</c>), else the first of type AD User. A line without one is keyed by its first
/// computer (AD or roaming computer, a host identity), else its internal IP: device identities that only the
/// tenant's aliases resolve; networks and sites name no one. Umbrella logs have no id: the event id is the line's hash.
/// </remarks>
internal sealed class UmbrellaNormalizer : ILineNormalizer
{
    private const int Timestamp = 0;
    private const int DnsIdentities = 2;
    private const int DnsInternalIp = 3;
    private const int DnsAction = 5;
    private const int DnsQueryType = 6;
    private const int DnsResponseCode = 7;
    private const int DnsDomain = 8;
    private const int DnsIdentityTypes = 11;
    private const int DnsFieldCount = 13;
    private const int ProxyInternalIp = 2;
    private const int ProxyDestinationIp = 4;
    private const int ProxyContentType = 5;
    private const int ProxyAction = 6;
    private const int ProxyUrl = 7;
    private const int ProxyReferer = 8;
    private const int ProxyUserAgent = 9;
    private const int ProxyStatusCode = 10;
    private const int ProxySha256 = 14;
    private const int ProxyCategories = 15;
    private const int ProxyMalwareName = 19;
    private const int ProxyIdentities = 23;
    private const int ProxyIdentityTypes = 24;
    private const int ProxyMethod = 25;
    private const int ProxyFileName = 28;
    private const int ProxyFieldCount = 26;
    private const int MaxFields = 96;

    private static readonly string[] DnsFields =
    [
        "timestamp", "most_granular_identity", "identities", "internal_ip", "external_ip", "action", "query_type",
        "response_code", "domain", "categories", "most_granular_identity_type", "identity_types", "blocked_categories",
        "rule_id", "destination_countries", "organization_id",
    ];

    private static readonly string[] ProxyFields =
    [
        "timestamp", "policy_identity_label", "internal_ip", "external_ip", "destination_ip", "content_type", "action",
        "url", "referer", "user_agent", "status_code", "request_size", "response_size", "response_body_size", "sha256",
        "categories", "av_detections", "puas", "amp_disposition", "amp_malware_name", "amp_score", "policy_identity_type",
        "blocked_categories", "identities", "identity_types", "request_method", "dlp_status", "certificate_errors",
        "file_name", "ruleset_id", "rule_id", "destination_list_ids", "isolate_action", "file_action", "warn_status",
        "forwarding_method", "producer",
    ];

    // Fields written as arrays in unmapped: Umbrella packs several values into one field, comma-separated.
    private static readonly string[] ListFields =
        ["identities", "identity_types", "categories", "blocked_categories", "destination_list_ids"];

    private static readonly int[] DnsMapped =
        [Timestamp, DnsInternalIp, DnsAction, DnsQueryType, DnsResponseCode, DnsDomain];

    private static readonly int[] ProxyMapped =
        [Timestamp, ProxyInternalIp, ProxyDestinationIp, ProxyContentType, ProxyAction, ProxyUrl, ProxyReferer,
         ProxyUserAgent, ProxyStatusCode, ProxySha256, ProxyCategories, ProxyMalwareName, ProxyMethod, ProxyFileName];

    public string Vendor => "umbrella";

    /// <summary>A JSON string holds one log line.</summary>
    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error) =>
        raw.ValueKind == JsonValueKind.String
            ? TryNormalizeLine(Encoding.UTF8.GetBytes(raw.GetString()!), context, out normalized, out error)
            : VendorJson.Fail("expected an Umbrella CSV log line: send text/csv or text/plain, or JSON strings", out normalized, out error);

    public bool TryNormalizeLine(ReadOnlySpan<byte> line, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        Span<Range> ranges = stackalloc Range[MaxFields];
        var fields = ranges[..CsvLine.Split(line, ranges)];
        var isDns = fields.Length >= DnsFieldCount && IsAction(CsvLine.Field(line, fields, DnsAction));
        var isProxy = !isDns && fields.Length >= ProxyFieldCount && IsAction(CsvLine.Field(line, fields, ProxyAction));
        if (!isDns && !isProxy)
        {
            return VendorJson.Fail("not an Umbrella DNS or proxy log line: expected the action (Allowed/Blocked) in field 6 (DNS, 13+ fields) or 7 (proxy, 26+ fields)",
                out normalized, out error);
        }

        var identities = CsvLine.Field(line, fields, isDns ? DnsIdentities : ProxyIdentities);
        var identityTypes = CsvLine.Field(line, fields, isDns ? DnsIdentityTypes : ProxyIdentityTypes);
        var internalIp = CsvLine.Field(line, fields, isDns ? DnsInternalIp : ProxyInternalIp);
        var kind = IdentityKind.Account;
        var identity = User(identities, identityTypes);
        if (identity.IsEmpty)
        {
            identity = Computer(identities, identityTypes);
            kind = IdentityKind.Host;
        }

        if (identity.IsEmpty)
        {
            identity = internalIp;
            kind = IdentityKind.Ip;
        }

        if (identity.IsEmpty)
        {
            return VendorJson.Fail("no user and no device: no e-mail address, AD user or computer among the identities, and no internal IP",
                out normalized, out error);
        }

        var userKey = kind == IdentityKind.Ip ? Encoding.UTF8.GetString(identity) : Encoding.UTF8.GetString(identity).ToLowerInvariant();
        var eventId = VendorJson.HashId(line);
        var timeText = CsvLine.Field(line, fields, Timestamp);
        var time = TryTime(timeText, context.TimeZone, out var at) ? at : context.ReceivedAtMs;
        var action = CsvLine.Field(line, fields, isDns ? DnsAction : ProxyAction);
        var blocked = Ascii.EqualsIgnoreCase(action, "blocked"u8);

        Utf8JsonWriter writer;
        if (isDns)
        {
            writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.DnsActivityClass, 6);
            writer.WriteSeverity(blocked ? OcsfSeverity.Low : OcsfSeverity.Informational);
            writer.WriteNumber("time"u8, time);
            writer.WriteMetadata(eventId, timeText, "Umbrella"u8, "Cisco"u8, "dns"u8);
            WriteIdentity(writer, identity, kind);
            WriteIp(writer, "src_endpoint"u8, internalIp);
            WriteQuery(writer, CsvLine.Field(line, fields, DnsDomain), CsvLine.Field(line, fields, DnsQueryType));
            writer.WriteText("rcode"u8, CsvLine.Field(line, fields, DnsResponseCode));
        }
        else
        {
            var method = CsvLine.Field(line, fields, ProxyMethod);
            var malware = CsvLine.Field(line, fields, ProxyMalwareName);
            writer = OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.HttpActivityClass,
                method.IsEmpty ? 0 : OcsfSchema.HttpActivity(method));
            writer.WriteSeverity(malware.IsEmpty ? (blocked ? OcsfSeverity.Low : OcsfSeverity.Informational)
                : blocked ? OcsfSeverity.Low : OcsfSeverity.High);
            writer.WriteNumber("time"u8, time);
            writer.WriteMetadata(eventId, timeText, "Umbrella"u8, "Cisco"u8, "proxy"u8);
            WriteIdentity(writer, identity, kind);
            WriteIp(writer, "src_endpoint"u8, internalIp);
            WriteIp(writer, "dst_endpoint"u8, CsvLine.Field(line, fields, ProxyDestinationIp));
            WriteProxy(writer, line, fields, method);
            if (!malware.IsEmpty)
            {
                writer.WriteStartObject("malware"u8);
                writer.WriteString("name"u8, malware);
                writer.WriteEndObject();
            }
        }

        if (blocked || Ascii.EqualsIgnoreCase(action, "allowed"u8))
        {
            writer.WriteDisposition(blocked ? OcsfDisposition.Blocked : OcsfDisposition.Allowed, default);
        }
        else
        {
            writer.WriteString("disposition"u8, action);
            writer.WriteNumber("disposition_id"u8, (int)OcsfDisposition.Other);
        }

        WriteUnmapped(writer, line, fields, isDns ? DnsFields : ProxyFields, isDns ? DnsMapped : ProxyMapped);
        var json = OcsfOutput.End(writer, line, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json) { IdentityKind = kind };
        error = null;
        return true;
    }

    /// <summary>Umbrella's actions: Allowed and Blocked in DNS logs, ALLOWED, BLOCKED and WARNED in proxy logs.</summary>
    private static bool IsAction(ReadOnlySpan<byte> value) =>
        Ascii.EqualsIgnoreCase(value, "allowed"u8) || Ascii.EqualsIgnoreCase(value, "blocked"u8)
        || Ascii.EqualsIgnoreCase(value, "warned"u8);

    /// <summary><c>2026-01-15 08:30:00</c>, a wall-clock time read in the integration's zone.</summary>
    private static bool TryTime(ReadOnlySpan<byte> text, TimeZoneInfo zone, out long unixMs)
    {
        unixMs = 0;
        if (!VendorTime.TryParseIso8601(text, out var parsed))
        {
            return false;
        }

        // Text with its own offset says what it means; only zone-less text is wall-clock time.
        unixMs = text.Length == 19 ? VendorTime.FromWallClock(parsed, zone) : parsed;
        return true;
    }

    /// <summary>The identity to coach: the first holding an e-mail address (inside "Name (address)" if so), else the first AD user.</summary>
    private static ReadOnlySpan<byte> User(ReadOnlySpan<byte> identities, ReadOnlySpan<byte> types)
    {
        var rest = identities;
        while (!rest.IsEmpty)
        {
            var identity = NextItem(ref rest);
            if (identity.Contains((byte)'@'))
            {
                var open = identity.LastIndexOf((byte)'(');
                return open >= 0 && identity[^1] == ')' && identity[(open + 1)..^1].Contains((byte)'@')
                    ? identity[(open + 1)..^1].Trim(" "u8)
                    : identity;
            }
        }

        rest = identities;
        var typeRest = types;
        while (!rest.IsEmpty)
        {
            var identity = NextItem(ref rest);
            var type = NextItem(ref typeRest);
            if (!identity.IsEmpty && type.StartsWith("AD User"u8))
            {
                return identity;
            }
        }

        return [];
    }

    /// <summary>The first computer among the identities (AD computer, roaming computer): the identity of a line without a user.</summary>
    private static ReadOnlySpan<byte> Computer(ReadOnlySpan<byte> identities, ReadOnlySpan<byte> types)
    {
        var rest = identities;
        var typeRest = types;
        while (!rest.IsEmpty)
        {
            var identity = NextItem(ref rest);
            var type = NextItem(ref typeRest);
            if (!identity.IsEmpty && (type.StartsWith("AD Computer"u8) || type.StartsWith("Roaming Computer"u8)))
            {
                return identity;
            }
        }

        return [];
    }

    private static ReadOnlySpan<byte> NextItem(scoped ref ReadOnlySpan<byte> rest)
    {
        var comma = rest.IndexOf((byte)',');
        var item = comma < 0 ? rest : rest[..comma];
        rest = comma < 0 ? default : rest[(comma + 1)..];
        return item.Trim(" "u8);
    }

    /// <summary>
    /// The identity: a user as <c>actor.user</c> (an address as e-mail and name, an AD user name as name), a computer as
    /// <c>device.hostname</c>; an internal IP is already <c>src_endpoint.ip</c>.
    /// </summary>
    private static void WriteIdentity(Utf8JsonWriter writer, ReadOnlySpan<byte> identity, IdentityKind kind)
    {
        if (kind == IdentityKind.Host)
        {
            writer.WriteStartObject("device"u8);
            writer.WriteString("hostname"u8, identity);
            writer.WriteEndObject();
        }

        if (kind == IdentityKind.Account)
        {
            WriteUser(writer, identity);
        }
    }

    private static void WriteUser(Utf8JsonWriter writer, ReadOnlySpan<byte> user)
    {
        writer.WriteStartObject("actor"u8);
        writer.WriteStartObject("user"u8);
        if (user.Contains((byte)'@'))
        {
            writer.WriteString("email_addr"u8, user);
        }

        writer.WriteString("name"u8, user);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteIp(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> ip)
    {
        if (!ip.IsEmpty)
        {
            writer.WriteStartObject(name);
            writer.WriteString("ip"u8, ip);
            writer.WriteEndObject();
        }
    }

    /// <summary><c>query</c>: the domain without its root dot, and the type's mnemonic from "1 (A)".</summary>
    private static void WriteQuery(Utf8JsonWriter writer, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> queryType)
    {
        domain = domain.TrimEnd((byte)'.');
        if (domain.IsEmpty)
        {
            return;
        }

        writer.WriteStartObject("query"u8);
        writer.WriteString("hostname"u8, domain);
        var open = queryType.IndexOf((byte)'(');
        var type = open >= 0 && queryType[^1] == ')' ? queryType[(open + 1)..^1] : queryType;
        writer.WriteText("type"u8, type);
        writer.WriteEndObject();
    }

    private static void WriteProxy(Utf8JsonWriter writer, ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, ReadOnlySpan<byte> method)
    {
        var url = CsvLine.Field(line, fields, ProxyUrl);
        if (!url.IsEmpty)
        {
            writer.WriteStartObject("url"u8);
            writer.WriteString("url_string"u8, url);
            var start = url.IndexOf("://"u8) is var scheme and >= 0 ? scheme + 3 : 0;
            var end = url[start..].IndexOfAny("/?#:"u8);
            writer.WriteString("hostname"u8, end < 0 ? url[start..] : url.Slice(start, end));
            WriteList(writer, "categories"u8, CsvLine.Field(line, fields, ProxyCategories));
            writer.WriteEndObject();
        }

        var userAgent = CsvLine.Field(line, fields, ProxyUserAgent);
        var referer = CsvLine.Field(line, fields, ProxyReferer);
        if (!method.IsEmpty || !userAgent.IsEmpty || !referer.IsEmpty)
        {
            writer.WriteStartObject("http_request"u8);
            writer.WriteText("http_method"u8, method);
            writer.WriteText("user_agent"u8, userAgent);
            writer.WriteText("referrer"u8, referer);
            writer.WriteEndObject();
        }

        var status = CsvLine.Field(line, fields, ProxyStatusCode);
        var contentType = CsvLine.Field(line, fields, ProxyContentType);
        var hasStatus = System.Buffers.Text.Utf8Parser.TryParse(status, out int code, out var consumed)
            && consumed == status.Length && code > 0;
        if (hasStatus || !contentType.IsEmpty)
        {
            writer.WriteStartObject("http_response"u8);
            if (hasStatus)
            {
                writer.WriteNumber("code"u8, code);
            }

            writer.WriteText("content_type"u8, contentType);
            writer.WriteEndObject();
        }

        var fileName = CsvLine.Field(line, fields, ProxyFileName);
        var sha256 = CsvLine.Field(line, fields, ProxySha256);
        if (!fileName.IsEmpty || !sha256.IsEmpty)
        {
            writer.WriteStartObject("file"u8);
            writer.WriteText("name"u8, fileName);
            if (!sha256.IsEmpty)
            {
                writer.WriteStartArray("hashes"u8);
                writer.WriteStartObject();
                writer.WriteNumber("algorithm_id"u8, 3);
                writer.WriteString("algorithm"u8, "SHA-256"u8);
                writer.WriteString("value"u8, sha256);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>A comma-separated field as a string array; nothing when it is empty.</summary>
    private static void WriteList(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> list)
    {
        if (list.Trim(" "u8).IsEmpty)
        {
            return;
        }

        writer.WritePropertyName(name);
        WriteListValue(writer, list);
    }

    /// <summary>The fields the output does not carry, by Umbrella's names (fields past the known list as field_N).</summary>
    private static void WriteUnmapped(Utf8JsonWriter writer, ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields,
        string[] names, int[] mapped)
    {
        var started = false;
        for (var i = 0; i < fields.Length; i++)
        {
            var value = CsvLine.Field(line, fields, i);
            if (value.IsEmpty || Array.IndexOf(mapped, i) >= 0)
            {
                continue;
            }

            if (!started)
            {
                writer.WriteStartObject("unmapped"u8);
                started = true;
            }

            if (i >= names.Length)
            {
                writer.WriteString($"field_{i + 1}", value);
            }
            else if (Array.IndexOf(ListFields, names[i]) >= 0)
            {
                writer.WritePropertyName(names[i]);
                WriteListValue(writer, value);
            }
            else
            {
                writer.WriteString(names[i], value);
            }
        }

        if (started)
        {
            writer.WriteEndObject();
        }
    }

    private static void WriteListValue(Utf8JsonWriter writer, ReadOnlySpan<byte> list)
    {
        writer.WriteStartArray();
        var rest = list;
        while (!rest.IsEmpty)
        {
            var item = NextItem(ref rest);
            if (!item.IsEmpty)
            {
                writer.WriteStringValue(item);
            }
        }

        writer.WriteEndArray();
    }
}
