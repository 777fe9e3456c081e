using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Okta System Log events (the System Log API's objects, one per event) by <c>eventType</c>: sign-ins, sessions and
/// MFA as OCSF Authentication (3002); changes to a user account (<c>user.account.*</c>, <c>user.lifecycle.*</c>,
/// MFA factor enrolment) as Account Change (3001); everything else — administration, application and policy
/// events — as API Activity (6003) with the event type as the operation, because the System Log is Okta's record
/// of calls made to it.
/// </summary>
/// <remarks>
/// The user is the actor when the actor is a person (<c>actor.type</c> "User"), else the first target that is one:
/// a push sent by the system is about its target. In Authentication the user is written both as <c>user</c> (OCSF)
/// and <c>actor.user</c>, so that one campaign pattern fits every vendor.
/// </remarks>
internal sealed class OktaNormalizer : IEventNormalizer
{
    private static readonly Utf8NameSet Mapped = new(
        "uuid", "published", "eventType", "severity", "displayMessage", "actor", "outcome");

    public string Vendor => "okta";

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var eventType = raw.Prop("eventType"u8);
        if (!eventType.TryGetText(out var type) || !raw.Prop("published"u8).HasText())
        {
            return VendorJson.Fail("not an Okta System Log event: missing eventType or published", out normalized, out error);
        }

        var person = Person(raw);
        var login = person.Prop("alternateId"u8);
        if (!login.HasText())
        {
            return VendorJson.Fail("no user: expected the alternateId of a User actor or target", out normalized, out error);
        }

        var userKey = VendorJson.UserKey(login);
        var eventId = VendorJson.EventId(raw.Prop("uuid"u8), raw);
        var published = raw.Prop("published"u8);
        var time = VendorTime.TryIso8601(published, out var at) ? at : context.ReceivedAtMs;
        var outcome = raw.Prop("outcome"u8);
        var result = outcome.Prop("result"u8);
        var client = raw.Prop("client"u8);
        var geo = client.Prop("geographicalContext"u8);
        var email = login.IsEmail() ? login : default;

        var (classUid, activity) = Classify(type);
        var category = classUid == OcsfSchema.ApiActivityClass ? OcsfSchema.ApplicationCategory : OcsfSchema.IamCategory;
        var writer = OcsfOutput.Begin(category, classUid, activity);
        writer.WriteSeverity(Severity(raw.Prop("severity"u8), raw));
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, raw.Prop("displayMessage"u8));
        writer.WriteMetadata(eventId, published, "Okta"u8, "Okta"u8, eventType);
        writer.WriteStatus(Status(result), result, outcome.Prop("reason"u8));
        if (classUid == OcsfSchema.AuthenticationClass)
        {
            writer.WriteUser("user"u8, email, person.Prop("displayName"u8), person.Prop("id"u8), default);
            if (IsMfa(type))
            {
                writer.WriteBoolean("is_mfa"u8, true);
            }

            // Authentication needs a service: the application of an SSO sign-in, else Okta itself.
            var app = App(raw).Prop("displayName"u8);
            writer.WriteStartObject("service"u8);
            if (app.HasText())
            {
                writer.WriteText("name"u8, app);
            }
            else
            {
                writer.WriteString("name"u8, "Okta"u8);
            }

            writer.WriteEndObject();
        }
        else if (classUid == OcsfSchema.AccountChangeClass)
        {
            var target = FirstTarget(raw, "User"u8);
            var changed = target.ValueKind == JsonValueKind.Object ? target : person;
            var changedLogin = changed.Prop("alternateId"u8);
            writer.WriteUser("user"u8, changedLogin.IsEmail() ? changedLogin : default, changed.Prop("displayName"u8),
                changed.Prop("id"u8), default);
        }
        else
        {
            writer.WriteStartObject("api"u8);
            writer.WriteText("operation"u8, eventType);
            writer.WriteEndObject();
        }

        writer.WriteActor(email, person.Prop("displayName"u8), person.Prop("id"u8), default);
        writer.WriteSourceWithLocation(client.Prop("ipAddress"u8), geo.Prop("city"u8), geo.Prop("state"u8),
            geo.Prop("country"u8), geo.Prop("geolocation"u8).Prop("lat"u8), geo.Prop("geolocation"u8).Prop("lon"u8));
        var userAgent = client.Prop("userAgent"u8).Prop("rawUserAgent"u8);
        if (userAgent.HasText())
        {
            writer.WriteStartObject("http_request"u8);
            writer.WriteText("user_agent"u8, userAgent);
            writer.WriteEndObject();
        }

        if (result.TryGetText(out var resultText))
        {
            var disposition = Disposition(resultText);
            if (disposition != OcsfDisposition.Unknown)
            {
                writer.WriteDisposition(disposition, default);
            }
        }

        writer.WriteUnmapped(raw, Mapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    /// <summary>
    /// The person the event is about: a User actor (or one without a type), else the first User target, else none:
    /// Okta's own system principal or an API client is nobody to coach.
    /// </summary>
    private static JsonElement Person(JsonElement raw)
    {
        var actor = raw.Prop("actor"u8);
        var actorType = actor.Prop("type"u8);
        if (!actorType.HasText() || (actorType.TryGetText(out var type) && Ascii.EqualsIgnoreCase(type, "User"u8)))
        {
            return actor;
        }

        return FirstTarget(raw, "User"u8);
    }

    private static JsonElement FirstTarget(JsonElement raw, ReadOnlySpan<byte> type)
    {
        var targets = raw.Prop("target"u8);
        if (targets.ValueKind != JsonValueKind.Array)
        {
            return default;
        }

        foreach (var target in targets.EnumerateArray())
        {
            if (target.Prop("type"u8).TryGetText(out var targetType) && Ascii.EqualsIgnoreCase(targetType, type))
            {
                return target;
            }
        }

        return default;
    }

    /// <summary>The application signed in to (an SSO event's AppInstance target).</summary>
    private static JsonElement App(JsonElement raw) => FirstTarget(raw, "AppInstance"u8);

    /// <summary>
    /// Class and activity from the event type. Authentication: session start and every <c>user.authentication.*</c>
    /// step are Logon (1), session end Logoff (2), MFA pushes and verifications and sign-on policy evaluations Other
    /// (99). Account Change activities follow OCSF's list (1 Create … 12 Unlock).
    /// </summary>
    private static (int ClassUid, int Activity) Classify(ReadOnlySpan<byte> type)
    {
        if (type.SequenceEqual("user.session.start"u8) || type.StartsWith("user.authentication."u8))
        {
            return (OcsfSchema.AuthenticationClass, 1);
        }

        if (type.SequenceEqual("user.session.end"u8))
        {
            return (OcsfSchema.AuthenticationClass, 2);
        }

        if ((IsMfa(type) && !type.StartsWith("user.mfa.factor."u8)) || type.SequenceEqual("policy.evaluate_sign_on"u8))
        {
            return (OcsfSchema.AuthenticationClass, OcsfSchema.OtherActivity);
        }

        if (type.StartsWith("user.account."u8) || type.StartsWith("user.lifecycle."u8) || type.StartsWith("user.mfa.factor."u8))
        {
            return (OcsfSchema.AccountChangeClass, AccountChangeActivity(type));
        }

        return (OcsfSchema.ApiActivityClass, OcsfSchema.OtherActivity);
    }

    private static int AccountChangeActivity(ReadOnlySpan<byte> type) => type switch
    {
        _ when type.SequenceEqual("user.lifecycle.create"u8) => 1,
        _ when type.SequenceEqual("user.lifecycle.activate"u8) || type.SequenceEqual("user.lifecycle.reactivate"u8) => 2,
        _ when type.SequenceEqual("user.account.update_password"u8) => 3,
        _ when type.StartsWith("user.account.reset_password"u8) => 4,
        _ when type.SequenceEqual("user.lifecycle.deactivate"u8) || type.SequenceEqual("user.lifecycle.suspend"u8) => 5,
        _ when type.StartsWith("user.lifecycle.delete"u8) => 6,
        _ when type.SequenceEqual("user.account.lock"u8) || type.SequenceEqual("user.account.lock.limit"u8) => 9,
        _ when type.SequenceEqual("user.mfa.factor.activate"u8) => 10,
        _ when type.SequenceEqual("user.mfa.factor.deactivate"u8) || type.SequenceEqual("user.mfa.factor.reset_all"u8) => 11,
        _ when type.StartsWith("user.account.unlock"u8) => 12,
        _ => OcsfSchema.OtherActivity,
    };

    private static bool IsMfa(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("user.authentication.auth_via_mfa"u8) || type.StartsWith("user.mfa."u8)
        || type.SequenceEqual("system.push.send_factor_verify_push"u8) || type.SequenceEqual("user.authentication.verify"u8);

    /// <summary>
    /// INFO Informational, WARN Medium, ERROR High; raised to High when Okta's threat detection flagged the request
    /// (<c>debugContext.debugData.threatSuspected</c> "true").
    /// </summary>
    private static OcsfSeverity Severity(JsonElement severity, JsonElement raw)
    {
        var value = severity.TryGetText(out var text) switch
        {
            true when Ascii.EqualsIgnoreCase(text, "INFO"u8) || Ascii.EqualsIgnoreCase(text, "DEBUG"u8) => OcsfSeverity.Informational,
            true when Ascii.EqualsIgnoreCase(text, "WARN"u8) => OcsfSeverity.Medium,
            true when Ascii.EqualsIgnoreCase(text, "ERROR"u8) => OcsfSeverity.High,
            _ => OcsfSeverity.Unknown,
        };
        var threat = raw.Prop("debugContext"u8).Prop("debugData"u8).Prop("threatSuspected"u8);
        return threat.TryGetText(out var suspected) && Ascii.EqualsIgnoreCase(suspected, "true"u8) && value < OcsfSeverity.High
            ? OcsfSeverity.High
            : value;
    }

    private static OcsfStatus Status(JsonElement result)
    {
        if (!result.TryGetText(out var text))
        {
            return OcsfStatus.Unknown;
        }

        if (Ascii.EqualsIgnoreCase(text, "SUCCESS"u8) || Ascii.EqualsIgnoreCase(text, "ALLOW"u8))
        {
            return OcsfStatus.Success;
        }

        return Ascii.EqualsIgnoreCase(text, "FAILURE"u8) || Ascii.EqualsIgnoreCase(text, "DENY"u8)
            ? OcsfStatus.Failure
            : OcsfStatus.Other;
    }

    /// <summary>Only a policy decision (ALLOW / DENY) is a control's disposition; SUCCESS and FAILURE are outcomes.</summary>
    private static OcsfDisposition Disposition(ReadOnlySpan<byte> result) =>
        Ascii.EqualsIgnoreCase(result, "ALLOW"u8) ? OcsfDisposition.Allowed
        : Ascii.EqualsIgnoreCase(result, "DENY"u8) ? OcsfDisposition.Blocked
        : OcsfDisposition.Unknown;
}
