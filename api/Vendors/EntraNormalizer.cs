using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Microsoft Entra ID: sign-ins as OCSF Authentication (3002) and Identity Protection risk detections as Detection
/// Findings (2004). Sign-ins come in the diagnostic-settings envelope (<c>{"records":[{"category":"SignInLogs",
/// "properties":{…}}]}</c>, every sign-in category) or as Graph <c>signIn</c> objects (<c>{"value":[…]}</c>); risk
/// detections as Graph <c>riskDetection</c> objects or diagnostic records whose properties carry one.
/// </summary>
/// <remarks>
/// Service-principal and managed-identity sign-ins are rejected: no person signed in, so there is nobody to coach.
/// A non-interactive sign-in may carry the user's object id (a GUID) in <c>userPrincipalName</c>; then
/// <c>signInIdentifier</c> is used when it holds a UPN, else the sign-in is rejected saying so.
/// </remarks>
internal sealed class EntraNormalizer : IEventNormalizer
{
    private static readonly Utf8NameSet SignInMapped = new(
        "id", "createdDateTime", "userPrincipalName", "userDisplayName", "userId", "appDisplayName", "appId",
        "ipAddress", "status", "userAgent", "riskLevelDuringSignIn", "riskLevelAggregated", "authenticationRequirement",
        "conditionalAccessStatus");

    private static readonly Utf8NameSet RiskMapped = new(
        "id", "activityDateTime", "detectedDateTime", "userPrincipalName", "userDisplayName", "userId", "riskEventType",
        "riskLevel", "ipAddress", "location", "source", "detectionTimingType");

    // The envelope's own fields that the output carries, or that repeat what properties hold.
    private static readonly Utf8NameSet EnvelopeMapped = new(
        "properties", "time", "category", "callerIpAddress", "correlationId", "resultType", "resultDescription",
        "location");

    public string Vendor => "entra";

    public void AddRecords(JsonElement value, List<VendorRecord> records)
    {
        if (!VendorJson.TryAddEnvelopeItems(value, records, "records", "value"))
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

        var properties = raw.Prop("properties"u8);
        var isEnvelope = properties.ValueKind == JsonValueKind.Object;
        var entry = isEnvelope ? properties : raw;
        var category = raw.Prop("category"u8);
        if (category.TryGetText(out var categoryText) && (Ascii.EqualsIgnoreCase(categoryText, "ServicePrincipalSignInLogs"u8)
            || Ascii.EqualsIgnoreCase(categoryText, "ManagedIdentitySignInLogs"u8)
            || Ascii.EqualsIgnoreCase(categoryText, "MicrosoftServicePrincipalSignInLogs"u8)))
        {
            return VendorJson.Fail($"{VendorJson.Quote(category)} record: a service principal signed in, no user to coach",
                out normalized, out error);
        }

        var isRisk = entry.Prop("riskEventType"u8).HasText();
        if (!isRisk && !entry.Prop("createdDateTime"u8).HasText() && !entry.Prop("userPrincipalName"u8).HasText())
        {
            return VendorJson.Fail("not an Entra sign-in or risk detection: missing createdDateTime, userPrincipalName and riskEventType",
                out normalized, out error);
        }

        if (!TryUser(entry, out var user, out error))
        {
            normalized = null;
            return false;
        }

        var userKey = VendorJson.UserKey(user);
        var eventId = VendorJson.EventId(entry.Prop("id"u8), raw);
        var email = user.IsEmail() ? user : default;
        var userName = entry.Prop("userDisplayName"u8);
        var userId = entry.Prop("userId"u8);
        var location = entry.Prop("location"u8);
        var coordinates = location.Prop("geoCoordinates"u8);
        byte[] json;
        long time;
        if (isRisk)
        {
            var timeText = entry.Prop("activityDateTime"u8).Or(entry.Prop("detectedDateTime"u8));
            time = VendorTime.TryIso8601(timeText, out var at) ? at : context.ReceivedAtMs;
            var riskType = entry.Prop("riskEventType"u8);
            var writer = OcsfOutput.Begin(OcsfSchema.FindingsCategory, OcsfSchema.DetectionFindingClass, OcsfSchema.CreateActivity);
            writer.WriteSeverity(RiskSeverity(entry.Prop("riskLevel"u8), default));
            writer.WriteNumber("time"u8, time);
            writer.WriteText("message"u8, riskType);
            writer.WriteMetadata(eventId, timeText, "Microsoft Entra ID Protection"u8, "Microsoft"u8, category.Or(riskType));
            writer.WriteActor(email, userName, userId, default);
            writer.WriteSourceWithLocation(entry.Prop("ipAddress"u8), location.Prop("city"u8), location.Prop("state"u8),
                location.Prop("countryOrRegion"u8), coordinates.Prop("latitude"u8), coordinates.Prop("longitude"u8));
            writer.WriteDisposition(OcsfDisposition.Detected, default);
            writer.WriteFindingInfo(riskType, eventId, entry.Prop("riskDetail"u8), entry.Prop("source"u8),
                entry.Prop("detectionTimingType"u8));
            writer.WriteUnmapped(entry, RiskMapped, isEnvelope ? raw : default, EnvelopeMapped);
            json = OcsfOutput.End(writer, raw, context.TenantId, userKey);
        }
        else
        {
            var timeText = entry.Prop("createdDateTime"u8).Or(raw.Prop("time"u8));
            time = VendorTime.TryIso8601(timeText, out var at) ? at : context.ReceivedAtMs;
            var status = entry.Prop("status"u8);
            var errorCode = status.Prop("errorCode"u8).Or(raw.Prop("resultType"u8));
            var app = entry.Prop("appDisplayName"u8);
            var device = entry.Prop("deviceDetail"u8);

            var writer = OcsfOutput.Begin(OcsfSchema.IamCategory, OcsfSchema.AuthenticationClass, 1);
            writer.WriteSeverity(RiskSeverity(entry.Prop("riskLevelDuringSignIn"u8), entry.Prop("riskLevelAggregated"u8)));
            writer.WriteNumber("time"u8, time);
            writer.WriteText("message"u8, status.Prop("failureReason"u8).Or(raw.Prop("resultDescription"u8)));
            writer.WriteMetadata(eventId, timeText, "Microsoft Entra ID"u8, "Microsoft"u8, category);
            writer.WriteStatus(Succeeded(errorCode) ? OcsfStatus.Success : errorCode.IsPresent() ? OcsfStatus.Failure : OcsfStatus.Unknown,
                errorCode, status.Prop("additionalDetails"u8));
            writer.WriteUser("user"u8, email, userName, userId, default);
            if (entry.Prop("authenticationRequirement"u8).TryGetText(out var requirement))
            {
                writer.WriteBoolean("is_mfa"u8, Ascii.EqualsIgnoreCase(requirement, "multiFactorAuthentication"u8));
            }

            if (app.HasText() || entry.Prop("appId"u8).HasText())
            {
                writer.WriteStartObject("service"u8);
                writer.WriteText("name"u8, app);
                writer.WriteText("uid"u8, entry.Prop("appId"u8));
                writer.WriteEndObject();
            }

            writer.WriteActor(email, userName, userId, default);
            writer.WriteSourceWithLocation(entry.Prop("ipAddress"u8).Or(raw.Prop("callerIpAddress"u8)), location.Prop("city"u8),
                location.Prop("state"u8), location.Prop("countryOrRegion"u8), coordinates.Prop("latitude"u8),
                coordinates.Prop("longitude"u8));
            writer.WriteEndpoint("device"u8, device.Prop("displayName"u8), default);
            if (entry.Prop("userAgent"u8).HasText())
            {
                writer.WriteStartObject("http_request"u8);
                writer.WriteText("user_agent"u8, entry.Prop("userAgent"u8));
                writer.WriteEndObject();
            }

            // Conditional Access decides whether a sign-in may go on: "failure" means a policy blocked it. When no
            // policy applied ("notApplied") no control decided anything, so there is no disposition.
            if (entry.Prop("conditionalAccessStatus"u8).TryGetText(out var access))
            {
                if (Ascii.EqualsIgnoreCase(access, "success"u8))
                {
                    writer.WriteDisposition(OcsfDisposition.Allowed, default);
                }
                else if (Ascii.EqualsIgnoreCase(access, "failure"u8))
                {
                    writer.WriteDisposition(OcsfDisposition.Blocked, default);
                }
            }

            writer.WriteUnmapped(entry, SignInMapped, isEnvelope ? raw : default, EnvelopeMapped);
            json = OcsfOutput.End(writer, raw, context.TenantId, userKey);
        }

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    private static bool TryUser(JsonElement entry, out JsonElement user, [NotNullWhen(false)] out string? error)
    {
        var upn = entry.Prop("userPrincipalName"u8);
        var identifier = entry.Prop("signInIdentifier"u8);
        if (upn.HasText() && !VendorJson.IsGuid(upn))
        {
            user = upn;
        }
        else if (identifier.IsEmail())
        {
            user = identifier;
        }
        else
        {
            user = default;
            error = upn.HasText()
                ? $"no user: userPrincipalName is an object id ('{VendorJson.Quote(upn)}', as in some non-interactive sign-ins) and signInIdentifier holds no UPN"
                : "no user: expected one of userPrincipalName, signInIdentifier";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Entra's error code 0 (a number in Graph, "0" as resultType in the envelope) is a successful sign-in.</summary>
    private static bool Succeeded(JsonElement errorCode) =>
        errorCode.ValueKind == JsonValueKind.Number ? errorCode.GetRawText() == "0"
        : errorCode.TryGetText(out var text) && text.SequenceEqual("0"u8);

    /// <summary>
    /// The higher of two risk levels (none, low, medium, high): none is Informational; "hidden" and an absent level
    /// are Unknown.
    /// </summary>
    private static OcsfSeverity RiskSeverity(JsonElement first, JsonElement second)
    {
        var a = RiskLevel(first);
        var b = RiskLevel(second);
        return a > b ? a : b;
    }

    // "none" is read here directly: the generic text reader treats it as a placeholder for "no value".
    private static OcsfSeverity RiskLevel(JsonElement level) =>
        level.ValueKind == JsonValueKind.String && level.ValueEquals("none"u8) ? OcsfSeverity.Informational
        : level.TryGetText(out var text) ? OcsfSchema.SeverityFromName(text)
        : OcsfSeverity.Unknown;
}
