using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Zscaler Internet Access web logs (NSS feed, JSON) as OCSF HTTP Activity (4002): the feed's
/// <c>{"sourcetype":"zscalernss-web","event":{…}}</c> records and bare event objects, v9 fields included. A record
/// on which web DLP matched (<c>dlpeng</c>, <c>dlpdict</c> or <c>dlprulename</c> set) is a Detection Finding (2004)
/// with <c>metadata.event_code</c> "DLP", titled by the DLP rule, else the engine, else the dictionary.
/// </summary>
internal sealed class ZscalerNormalizer : IEventNormalizer
{
    private const string NotZscaler = "not a Zscaler web log: missing event, eurl, url and b64url";

    private static readonly Utf8NameSet Mapped = new(
        "login", "recordid", "epochtime", "time", "reqmethod", "threatseverity", "reason", "devicehostname", "cip",
        "cltip", "sip", "serverip", "host", "hostname", "eurl", "url", "b64url", "urlcat", "urlsubcat", "urlsupercat",
        "urlclass", "ua", "useragent", "filename", "sha256", "bamd5", "action");

    // A finding has no http_request, so the method and user agent of a DLP record stay unmapped.
    private static readonly Utf8NameSet DlpMapped = new(
        "login", "recordid", "epochtime", "time", "threatseverity", "reason", "devicehostname", "cip", "cltip", "sip",
        "serverip", "host", "hostname", "eurl", "url", "b64url", "urlcat", "urlsubcat", "urlsupercat", "urlclass",
        "filename", "sha256", "bamd5", "action");

    public string Vendor => "zscaler";

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var e = raw.Prop("event"u8);
        if (e.ValueKind == JsonValueKind.Object)
        {
            // The sourcetype is whatever the feed template says; only a web feed (or none) is this normalizer's.
            var sourceType = raw.Prop("sourcetype"u8);
            if (sourceType.TryGetText(out var type) && !Ascii.EqualsIgnoreCase(type, "zscalernss-web"u8))
            {
                return VendorJson.Fail($"unsupported Zscaler sourcetype '{VendorJson.Quote(sourceType)}'",
                    out normalized, out error);
            }
        }
        else if (raw.Prop("eurl"u8).HasText() || raw.Prop("url"u8).HasText() || raw.Prop("b64url"u8).HasText())
        {
            e = raw;
        }
        else
        {
            return VendorJson.Fail(NotZscaler, out normalized, out error);
        }

        // login is the authenticated user, normally an e-mail address.
        var login = e.Prop("login"u8);
        if (!login.HasText())
        {
            return VendorJson.Fail("no user: expected one of login", out normalized, out error);
        }

        var userKey = VendorJson.UserKey(login);
        var eventId = VendorJson.EventId(e.Prop("recordid"u8), raw);

        // "time" has no zone (the feed's zone is configured per NSS feed), so it is read in the integration's
        // configured zone; epochtime, when the feed has it, is exact.
        var timeText = e.Prop("time"u8);
        var time = VendorTime.TryEpoch(e.Prop("epochtime"u8), out var at) || VendorTime.TryAsctime(timeText, context.TimeZone, out at)
            ? at
            : context.ReceivedAtMs;

        var method = e.Prop("reqmethod"u8);
        var activity = method.TryGetText(out var methodText) ? OcsfSchema.HttpActivity(methodText) : 0;
        var action = e.Prop("action"u8);
        var host = e.Prop("host"u8).Or(e.Prop("hostname"u8));
        var url = e.Prop("eurl"u8).Or(e.Prop("url"u8));
        var deviceHostname = e.Prop("devicehostname"u8);
        ReadOnlySpan<JsonElement> categories =
            [e.Prop("urlcat"u8), e.Prop("urlsubcat"u8), e.Prop("urlsupercat"u8), e.Prop("urlclass"u8)];

        // A DLP engine, dictionary or rule that matched makes the record a finding about the data rather than a
        // plain web transaction; the NSS feed writes "None" or "NA" in these fields when nothing matched.
        var dlpEngine = e.Prop("dlpeng"u8);
        var dlpDictionary = e.Prop("dlpdict"u8);
        var dlpRule = e.Prop("dlprulename"u8);
        var dlp = IsSet(dlpRule) || IsSet(dlpEngine) || IsSet(dlpDictionary);

        var writer = dlp
            ? OcsfOutput.Begin(OcsfSchema.FindingsCategory, OcsfSchema.DetectionFindingClass, OcsfSchema.CreateActivity)
            : OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.HttpActivityClass, activity);
        writer.WriteSeverity(Severity(e.Prop("threatseverity"u8), e.Prop("riskscore"u8)));
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, e.Prop("reason"u8));
        writer.WriteMetadata(eventId, timeText, "Zscaler Internet Access"u8, "Zscaler"u8, dlp ? "DLP"u8 : []);
        var loginIsEmail = login.IsEmail();
        writer.WriteActor(loginIsEmail ? login : default, loginIsEmail ? default : login, default, default);
        writer.WriteEndpoint("device"u8, deviceHostname, default);
        writer.WriteEndpoint("src_endpoint"u8, deviceHostname, e.Prop("cip"u8).Or(e.Prop("cltip"u8)));
        writer.WriteEndpoint("dst_endpoint"u8, host, e.Prop("sip"u8).Or(e.Prop("serverip"u8)));
        if (url.HasText())
        {
            writer.WriteUrl(url, host, categories);
        }
        else
        {
            writer.WriteBase64Url(e.Prop("b64url"u8), host, categories);
        }

        if (!dlp)
        {
            writer.WriteHttpRequest(method, e.Prop("ua"u8).Or(e.Prop("useragent"u8)));
        }

        writer.WriteFile(e.Prop("filename"u8).Or(e.Prop("upload_filename"u8)), default, e.Prop("sha256"u8), e.Prop("bamd5"u8));
        if (action.TryGetText(out var actionText))
        {
            writer.WriteDisposition(Disposition(actionText), action);
        }

        if (dlp)
        {
            var title = IsSet(dlpRule) ? dlpRule : IsSet(dlpEngine) ? dlpEngine : dlpDictionary;
            writer.WriteFindingInfo(title, eventId, default, IsSet(dlpEngine) ? dlpEngine : default,
                IsSet(dlpDictionary) ? dlpDictionary : default);
        }

        writer.WriteUnmapped(e, dlp ? DlpMapped : Mapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    /// <summary>
    /// The threat's severity ("Critical (90–100)") when a threat was found, else the page risk score banded: 0
    /// Informational, 1–34 Low (below Zscaler's recommended blocking threshold of 35), 35–69 Medium, 70–89 High,
    /// 90–100 Critical (the threat bands' Critical). Informational when the log has neither.
    /// </summary>
    private static OcsfSeverity Severity(JsonElement threatSeverity, JsonElement riskScore)
    {
        if (threatSeverity.TryGetText(out var caption))
        {
            var severity = OcsfSchema.SeverityFromName(caption);
            if (severity != OcsfSeverity.Unknown)
            {
                return severity;
            }
        }

        if (!TryScore(riskScore, out var score))
        {
            return OcsfSeverity.Informational;
        }

        return score switch
        {
            <= 0 => OcsfSeverity.Informational,
            < 35 => OcsfSeverity.Low,
            < 70 => OcsfSeverity.Medium,
            < 90 => OcsfSeverity.High,
            _ => OcsfSeverity.Critical,
        };
    }

    private static bool TryScore(JsonElement value, out int score)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.TryGetInt32(out score);
        }

        score = 0;
        return value.TryGetText(out var text) && Utf8Parser.TryParse(text, out score, out var consumed)
            && consumed == text.Length;
    }

    private static bool IsSet(JsonElement dlpField) =>
        dlpField.TryGetText(out var text) && !Ascii.EqualsIgnoreCase(text, "None"u8) && !Ascii.EqualsIgnoreCase(text, "NA"u8);

    private static OcsfDisposition Disposition(ReadOnlySpan<byte> action) =>
        Ascii.EqualsIgnoreCase(action, "Allowed"u8) ? OcsfDisposition.Allowed
        : Ascii.EqualsIgnoreCase(action, "Blocked"u8) ? OcsfDisposition.Blocked
        : OcsfDisposition.Other;
}
