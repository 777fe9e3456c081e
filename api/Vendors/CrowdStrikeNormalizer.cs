using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// CrowdStrike Falcon detections as OCSF Detection Findings (2004), from two shapes: Event Streams records
/// (<c>{"metadata":{"eventType":"EPPDetectionSummaryEvent",…},"event":{…}}</c>, PascalCase fields) and flat
/// Alerts API objects (snake_case, identified by <c>composite_id</c>), including identity-protection alerts.
/// </summary>
/// <remarks>
/// The event id is the detection's composite id (<c>CompositeId</c> / <c>composite_id</c>, legacy <c>DetectId</c>):
/// it names one detection across the whole Falcon cloud and is the same whether the detection arrives by Event
/// Streams or by the Alerts API, so a detection forwarded both ways is coached once. <c>metadata.offset</c> is
/// not used: it is a position in one stream partition, not a name for the detection.
/// A detection without a user (no logged-on user, a scan) is keyed by its host name, else its local IP: a device
/// identity that only the tenant's aliases resolve.
/// </remarks>
internal sealed class CrowdStrikeNormalizer : IEventNormalizer
{
    private const string NotCrowdStrike = "not a CrowdStrike detection or alert: missing metadata.eventType and composite_id";

    private static readonly Utf8NameSet StreamMapped = new(
        "UserName", "LogonDomain", "Hostname", "ComputerName", "LocalIP", "Name", "DetectName", "Description",
        "DetectDescription", "Severity", "SeverityName", "Tactic", "Technique", "CompositeId", "DetectId",
        "FileName", "FilePath", "SHA256String", "MD5String", "PatternDispositionFlags");

    private static readonly Utf8NameSet AlertMapped = new(
        "composite_id", "timestamp", "type", "user_name", "user_id", "logon_domain", "source_endpoint_host_name",
        "source_endpoint_address_ip4", "display_name", "description", "severity", "severity_name", "tactic",
        "technique", "filename", "filepath", "sha256", "md5", "pattern_disposition_details");

    // Disposition flags that mean the sensor stopped something, in both spellings.
    private static readonly byte[][] StreamPreventionFlags =
    [
        "ProcessBlocked"u8.ToArray(), "KillProcess"u8.ToArray(), "OperationBlocked"u8.ToArray(),
        "KillSubProcess"u8.ToArray(), "KillParent"u8.ToArray(), "RegistryOperationBlocked"u8.ToArray(),
        "FsOperationBlocked"u8.ToArray(),
    ];

    private static readonly byte[][] AlertPreventionFlags =
    [
        "process_blocked"u8.ToArray(), "kill_process"u8.ToArray(), "operation_blocked"u8.ToArray(),
        "kill_subprocess"u8.ToArray(), "kill_parent"u8.ToArray(), "registry_operation_blocked"u8.ToArray(),
        "fs_operation_blocked"u8.ToArray(),
    ];

    public string Vendor => "crowdstrike";

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var metadata = raw.Prop("metadata"u8);
        var eventType = metadata.Prop("eventType"u8);
        if (eventType.ValueKind == JsonValueKind.String)
        {
            return TryNormalizeStreamEvent(raw, metadata, eventType, context, out normalized, out error);
        }

        return raw.Prop("composite_id"u8).HasText()
            ? TryNormalizeAlert(raw, context, out normalized, out error)
            : VendorJson.Fail(NotCrowdStrike, out normalized, out error);
    }

    private bool TryNormalizeStreamEvent(JsonElement raw, JsonElement metadata, JsonElement eventType,
        in NormalizationContext context, [NotNullWhen(true)] out SecurityEvent? normalized,
        [NotNullWhen(false)] out string? error)
    {
        // Falcon has spelt the newer type both "EPPDetectionSummaryEvent" and "EppDetectionSummaryEvent".
        if (!eventType.TryGetText(out var type)
            || !(Ascii.EqualsIgnoreCase(type, "EPPDetectionSummaryEvent"u8)
                || Ascii.EqualsIgnoreCase(type, "DetectionSummaryEvent"u8)))
        {
            return VendorJson.Fail($"unsupported CrowdStrike eventType '{VendorJson.Quote(eventType)}'",
                out normalized, out error);
        }

        var e = raw.Prop("event"u8);
        if (e.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail("CrowdStrike event stream record has no 'event' object", out normalized, out error);
        }

        // Endpoint detections carry no e-mail; the logon name is the user (DOMAIN\user or a UPN on some hosts), else
        // the host is the identity (a detection with no logged-on user).
        var userName = e.Prop("UserName"u8);
        var host = e.Prop("Hostname"u8).Or(e.Prop("ComputerName"u8));
        var kind = IdentityKind.Account;
        var userKey = "";
        if (userName.HasText())
        {
            userKey = VendorJson.UserKey(userName);
        }
        else if (!VendorJson.TryDevice(host, e.Prop("LocalIP"u8), out userKey, out kind))
        {
            return VendorJson.Fail("no user and no device: expected one of event.UserName, event.Hostname, event.ComputerName, event.LocalIP",
                out normalized, out error);
        }
        var eventId = VendorJson.EventId(e.Prop("CompositeId"u8).Or(e.Prop("DetectId"u8)), raw);
        var time = VendorTime.TryEpoch(metadata.Prop("eventCreationTime"u8), out var created) ? created : context.ReceivedAtMs;
        var title = e.Prop("Name"u8).Or(e.Prop("DetectName"u8));
        var description = e.Prop("Description"u8).Or(e.Prop("DetectDescription"u8));

        var writer = OcsfOutput.Begin(OcsfSchema.FindingsCategory, OcsfSchema.DetectionFindingClass, OcsfSchema.CreateActivity);
        writer.WriteSeverity(Severity(e.Prop("Severity"u8), e.Prop("SeverityName"u8)));
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, description.Or(title));
        writer.WriteMetadata(eventId, default, "Falcon"u8, "CrowdStrike"u8, eventType);
        writer.WriteActor(userName.IsEmail() ? userName : default, userName, default, e.Prop("LogonDomain"u8));
        writer.WriteEndpoint("device"u8, host, e.Prop("LocalIP"u8));
        writer.WriteFile(e.Prop("FileName"u8), e.Prop("FilePath"u8), e.Prop("SHA256String"u8), e.Prop("MD5String"u8));
        writer.WriteDisposition(Disposition(
            e.Prop("PatternDispositionFlags"u8), "PolicyDisabled"u8, "QuarantineFile"u8, StreamPreventionFlags,
            e.Prop("PatternDispositionDescription"u8)), default);
        writer.WriteFindingInfo(title, eventId, description, e.Prop("Tactic"u8), e.Prop("Technique"u8));
        writer.WriteUnmapped(e, StreamMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json) { IdentityKind = kind };
        error = null;
        return true;
    }

    private bool TryNormalizeAlert(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        // Identity-protection alerts name the account by UPN, which is the e-mail the coaching goes to.
        var upn = raw.Prop("source_account_upn"u8);
        var userName = raw.Prop("user_name"u8);
        var email = upn.IsEmail() ? upn : userName.IsEmail() ? userName : default;
        var name = userName.HasText() ? userName : raw.Prop("source_account_sam_account_name"u8);
        var keySource = email.HasText() ? email : name;
        var device = raw.Prop("device"u8);
        var kind = IdentityKind.Account;
        var userKey = "";
        if (keySource.HasText())
        {
            userKey = VendorJson.UserKey(keySource);
        }
        else if (!VendorJson.TryDevice(device.Prop("hostname"u8), device.Prop("local_ip"u8), out userKey, out kind))
        {
            return VendorJson.Fail("no user and no device: expected one of source_account_upn, user_name, source_account_sam_account_name, device.hostname, device.local_ip",
                out normalized, out error);
        }

        var eventId = VendorJson.EventId(raw.Prop("composite_id"u8), raw);
        var timestamp = raw.Prop("timestamp"u8).Or(raw.Prop("created_timestamp"u8));
        var time = VendorTime.TryIso8601(timestamp, out var at) ? at : context.ReceivedAtMs;

        var title = raw.Prop("display_name"u8).Or(raw.Prop("name"u8));
        var description = raw.Prop("description"u8);

        var writer = OcsfOutput.Begin(OcsfSchema.FindingsCategory, OcsfSchema.DetectionFindingClass, OcsfSchema.CreateActivity);
        writer.WriteSeverity(Severity(raw.Prop("severity"u8), raw.Prop("severity_name"u8)));
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, description.Or(title));
        writer.WriteMetadata(eventId, timestamp, "Falcon"u8, "CrowdStrike"u8, raw.Prop("type"u8));
        writer.WriteActor(email, name, raw.Prop("user_id"u8),
            raw.Prop("logon_domain"u8).Or(raw.Prop("source_account_domain"u8)));
        writer.WriteEndpoint("device"u8, device.Prop("hostname"u8), device.Prop("local_ip"u8));
        writer.WriteEndpoint("src_endpoint"u8, raw.Prop("source_endpoint_host_name"u8),
            raw.Prop("source_endpoint_address_ip4"u8));
        writer.WriteFile(raw.Prop("filename"u8), raw.Prop("filepath"u8), raw.Prop("sha256"u8), raw.Prop("md5"u8));
        writer.WriteDisposition(Disposition(
            raw.Prop("pattern_disposition_details"u8), "policy_disabled"u8, "quarantine_file"u8, AlertPreventionFlags,
            raw.Prop("pattern_disposition_description"u8)), default);
        writer.WriteFindingInfo(title, eventId, description, raw.Prop("tactic"u8), raw.Prop("technique"u8));
        writer.WriteUnmapped(raw, AlertMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json) { IdentityKind = kind };
        error = null;
        return true;
    }

    /// <summary>
    /// Falcon severity: 1–5 in legacy DetectionSummaryEvent, else the 1–100 scale (10/30/50/70/90 in practice)
    /// banded as Falcon's own filters do: 90+ Critical, 70+ High, 50+ Medium, 20+ Low, below that Informational.
    /// The caption (SeverityName) decides only when there is no number.
    /// </summary>
    private static OcsfSeverity Severity(JsonElement number, JsonElement name)
    {
        if (number.ValueKind == JsonValueKind.Number && number.TryGetInt32(out var value) && value > 0)
        {
            return value switch
            {
                <= 5 => (OcsfSeverity)value,
                >= 90 => OcsfSeverity.Critical,
                >= 70 => OcsfSeverity.High,
                >= 50 => OcsfSeverity.Medium,
                >= 20 => OcsfSeverity.Low,
                _ => OcsfSeverity.Informational,
            };
        }

        return name.TryGetText(out var caption) ? OcsfSchema.SeverityFromName(caption) : OcsfSeverity.Unknown;
    }

    /// <summary>
    /// What the sensor did. The flags decide when present: PolicyDisabled means the prevention only "would have"
    /// happened, so it is a detection; QuarantineFile is Quarantined; a blocking or killing flag is Blocked. Without
    /// flags the description's wording decides ("Prevention, process was blocked…", "Detection, … would have been
    /// blocked…"). A detection with neither is Detected.
    /// </summary>
    private static OcsfDisposition Disposition(JsonElement flags, ReadOnlySpan<byte> policyDisabled,
        ReadOnlySpan<byte> quarantineFile, byte[][] preventionFlags, JsonElement description)
    {
        if (flags.ValueKind == JsonValueKind.Object)
        {
            if (flags.Prop(policyDisabled).ValueKind == JsonValueKind.True)
            {
                return OcsfDisposition.Detected;
            }

            if (flags.Prop(quarantineFile).ValueKind == JsonValueKind.True)
            {
                return OcsfDisposition.Quarantined;
            }

            foreach (var flag in preventionFlags)
            {
                if (flags.Prop(flag).ValueKind == JsonValueKind.True)
                {
                    return OcsfDisposition.Blocked;
                }
            }

            return OcsfDisposition.Detected;
        }

        if (!description.TryGetText(out var text) || ContainsIgnoreCase(text, "would have"u8))
        {
            return OcsfDisposition.Detected;
        }

        if (ContainsIgnoreCase(text, "quarantine"u8))
        {
            return OcsfDisposition.Quarantined;
        }

        return ContainsIgnoreCase(text, "prevention"u8) || ContainsIgnoreCase(text, "blocked"u8)
            || ContainsIgnoreCase(text, "killed"u8)
            ? OcsfDisposition.Blocked
            : OcsfDisposition.Detected;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> word)
    {
        for (var i = 0; i + word.Length <= text.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(text.Slice(i, word.Length), word))
            {
                return true;
            }
        }

        return false;
    }
}
