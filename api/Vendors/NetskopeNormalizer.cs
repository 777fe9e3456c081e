using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Netskope alerts (DLP, malware, policy, quarantine, UBA …: objects with <c>alert_type</c> / <c>alert_name</c>) as
/// OCSF Detection Findings (2004); page events (web transactions, <c>type</c> "page") as HTTP Activity (4002);
/// application events (actions in a cloud app, <c>type</c> "application") as Web Resources Activity (6001).
/// </summary>
internal sealed class NetskopeNormalizer : IEventNormalizer
{
    // "object" is not here although it becomes file.name for files: for folders and functions nothing carries it.
    private static readonly Utf8NameSet Mapped = new(
        "_id", "timestamp", "user", "userkey", "ur_normalized", "alert_type", "alert_name", "type", "severity",
        "action", "hostname", "srcip", "dstip", "url", "appcategory", "category", "file_path", "md5", "sha256");

    private static readonly Utf8NameSet PageMapped = new(
        "_id", "timestamp", "user", "userkey", "ur_normalized", "type", "action", "hostname", "srcip", "dstip", "url",
        "domain", "category", "appcategory", "useragent", "md5", "sha256");

    // "activity" stays unmapped: activity_id keeps only the verbs OCSF names ("Login Successful" is 99). object_type
    // too, because without an object the resource is the app.
    private static readonly Utf8NameSet ApplicationMapped = new(
        "_id", "timestamp", "user", "userkey", "ur_normalized", "type", "action", "hostname", "srcip", "dstip", "url",
        "appcategory", "category", "useragent", "object", "file_path", "md5", "sha256");

    public string Vendor => "netskope";

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var alertType = raw.Prop("alert_type"u8);
        var alertName = raw.Prop("alert_name"u8);
        var alert = alertType.HasText() || alertName.HasText();
        var eventType = raw.Prop("type"u8);
        var page = false;
        var application = false;
        if (!alert && eventType.TryGetText(out var typeText))
        {
            page = Ascii.EqualsIgnoreCase(typeText, "page"u8);
            application = Ascii.EqualsIgnoreCase(typeText, "application"u8);
        }

        if (!alert && !page && !application)
        {
            return VendorJson.Fail("not a Netskope alert or event: missing alert_type and alert_name, and type is not page or application",
                out normalized, out error);
        }

        // user is normally the e-mail; userkey and ur_normalized repeat it, and carry it when user holds a name.
        var user = raw.Prop("user"u8);
        var userKeyField = raw.Prop("userkey"u8);
        var normalizedUser = raw.Prop("ur_normalized"u8);
        var email = user.IsEmail() ? user
            : userKeyField.IsEmail() ? userKeyField
            : normalizedUser.IsEmail() ? normalizedUser
            : default;
        var name = user.HasText() && !user.IsEmail() ? user : default;
        var keySource = email.HasText() ? email : user.Or(userKeyField).Or(normalizedUser);
        if (!keySource.HasText())
        {
            return VendorJson.Fail("no user: expected one of user, userkey, ur_normalized", out normalized, out error);
        }

        var userKey = VendorJson.UserKey(keySource);
        var eventId = VendorJson.EventId(raw.Prop("_id"u8), raw);
        var time = VendorTime.TryEpoch(raw.Prop("timestamp"u8), out var at) ? at : context.ReceivedAtMs;
        var action = raw.Prop("action"u8);
        var hostname = raw.Prop("hostname"u8);
        var fileObject = raw.Prop("object_type"u8).TryGetText(out var objectType) && Ascii.EqualsIgnoreCase(objectType, "File"u8)
            ? raw.Prop("object"u8)
            : default;

        var writer = alert
            ? OcsfOutput.Begin(OcsfSchema.FindingsCategory, OcsfSchema.DetectionFindingClass, OcsfSchema.CreateActivity)
            : page
                ? OcsfOutput.Begin(OcsfSchema.NetworkCategory, OcsfSchema.HttpActivityClass, 0)
                : OcsfOutput.Begin(OcsfSchema.ApplicationCategory, OcsfSchema.WebResourcesActivityClass, WebResourcesActivity(raw.Prop("activity"u8)));

        // Events carry no severity of their own; a web transaction or an app action is informational.
        var severity = Severity(raw);
        writer.WriteSeverity(alert || severity != OcsfSeverity.Unknown ? severity : OcsfSeverity.Informational);
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, alertName);
        writer.WriteMetadata(eventId, default, "Netskope Security Cloud"u8, "Netskope"u8, alert ? alertType : eventType);
        writer.WriteActor(email, name, default, default);
        writer.WriteEndpoint("device"u8, hostname, default);
        writer.WriteEndpoint("src_endpoint"u8, hostname, raw.Prop("srcip"u8));
        writer.WriteEndpoint("dst_endpoint"u8, page ? raw.Prop("domain"u8) : default, raw.Prop("dstip"u8));
        writer.WriteUrl(raw.Prop("url"u8), page ? raw.Prop("domain"u8) : default, [raw.Prop("appcategory"u8), raw.Prop("category"u8)]);
        if (!alert)
        {
            writer.WriteHttpRequest(default, raw.Prop("useragent"u8));
        }

        if (application)
        {
            WriteWebResource(writer, raw);
        }

        writer.WriteFile(fileObject, raw.Prop("file_path"u8), raw.Prop("sha256"u8), raw.Prop("md5"u8));
        if (action.TryGetText(out var actionText))
        {
            writer.WriteDisposition(Disposition(actionText), action);
        }

        if (alert)
        {
            writer.WriteFindingInfo(alertName, eventId, default, alertType, eventType);
        }

        writer.WriteUnmapped(raw, alert ? Mapped : page ? PageMapped : ApplicationMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    /// <summary>
    /// Web Resources Activity <c>activity_id</c> from the app activity: 1 Create, 2 Read (View), 3 Update (Edit),
    /// 4 Delete, 6 Import (Upload: data into the app), 7 Export (Download: data out of it), 8 Share; 99 for the rest
    /// (Login, Logout, Post …), 0 without an activity.
    /// </summary>
    private static int WebResourcesActivity(JsonElement activity)
    {
        if (!activity.TryGetText(out var word))
        {
            return 0;
        }

        return word switch
        {
            _ when Ascii.EqualsIgnoreCase(word, "Create"u8) => 1,
            _ when Ascii.EqualsIgnoreCase(word, "View"u8) => 2,
            _ when Ascii.EqualsIgnoreCase(word, "Edit"u8) => 3,
            _ when Ascii.EqualsIgnoreCase(word, "Delete"u8) => 4,
            _ when Ascii.EqualsIgnoreCase(word, "Upload"u8) => 6,
            _ when Ascii.EqualsIgnoreCase(word, "Download"u8) => 7,
            _ when Ascii.EqualsIgnoreCase(word, "Share"u8) => 8,
            _ => OcsfSchema.OtherActivity,
        };
    }

    /// <summary>
    /// <c>web_resources</c> (required by 6001): the object acted on, else the app instance, else the app itself, so an
    /// event without an object (a login) still names what was used.
    /// </summary>
    private static void WriteWebResource(Utf8JsonWriter writer, JsonElement raw)
    {
        var resourceObject = raw.Prop("object"u8);
        var app = raw.Prop("app"u8);
        writer.WriteStartArray("web_resources"u8);
        writer.WriteStartObject();
        if (resourceObject.HasText())
        {
            writer.WriteText("name"u8, resourceObject);
            writer.WriteText("type"u8, raw.Prop("object_type"u8));
        }
        else
        {
            writer.WriteText("name"u8, raw.Prop("instance_id"u8).Or(app));
            writer.WriteString("type"u8, "Application"u8);
        }

        writer.WriteText("uid"u8, raw.Prop("object_id"u8));
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>The alert's severity (low/medium/high/critical), else the malware's or the DLP rule's; Unknown without.</summary>
    private static OcsfSeverity Severity(JsonElement alert)
    {
        ReadOnlySpan<JsonElement> candidates =
            [alert.Prop("severity"u8), alert.Prop("malware_severity"u8), alert.Prop("dlp_rule_severity"u8)];
        foreach (var candidate in candidates)
        {
            if (candidate.TryGetText(out var caption))
            {
                var severity = OcsfSchema.SeverityFromName(caption);
                if (severity != OcsfSeverity.Unknown)
                {
                    return severity;
                }
            }
        }

        return OcsfSeverity.Unknown;
    }

    private static OcsfDisposition Disposition(ReadOnlySpan<byte> action)
    {
        if (Ascii.EqualsIgnoreCase(action, "block"u8) || Ascii.EqualsIgnoreCase(action, "blocked"u8))
        {
            return OcsfDisposition.Blocked;
        }

        if (Ascii.EqualsIgnoreCase(action, "allow"u8) || Ascii.EqualsIgnoreCase(action, "allowed"u8))
        {
            return OcsfDisposition.Allowed;
        }

        if (Ascii.EqualsIgnoreCase(action, "alert"u8) || Ascii.EqualsIgnoreCase(action, "detection"u8))
        {
            return OcsfDisposition.Detected;
        }

        if (Ascii.EqualsIgnoreCase(action, "quarantine"u8) || Ascii.EqualsIgnoreCase(action, "quarantined"u8))
        {
            return OcsfDisposition.Quarantined;
        }

        // A quarantined file put back by an administrator.
        return Ascii.EqualsIgnoreCase(action, "restore"u8) ? OcsfDisposition.Restored : OcsfDisposition.Other;
    }
}
