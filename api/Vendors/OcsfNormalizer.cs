using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Events that a tool (or a customer's own pipeline) already normalized to OCSF, passed through after checking what
/// the pipeline relies on: <c>class_uid</c> an integer naming an OCSF 1.3 class, <c>time</c> a number, and a user in
/// <c>actor.user.email_addr</c>, <c>actor.user.name</c>, <c>user.email_addr</c> or <c>user.name</c> (in that order).
/// </summary>
/// <remarks>
/// Everything else is kept as sent, except what the pipeline owns or derives: <c>tenant_id</c> and <c>user_key</c>
/// come from the credential and the user found, never from the body; <c>category_uid</c> and <c>type_uid</c> are
/// recomputed from <c>class_uid</c> and <c>activity_id</c> (0 when that is no integer); <c>time</c> is written in
/// epoch milliseconds whatever unit it came in; <c>metadata.uid</c> is the event id (the sender's own
/// <c>metadata.uid</c>, else the hash of the event); <c>raw_data</c> is the event as posted. Property names are
/// compared decoded, so an escaped <c>"tenant\u005fid"</c> is replaced like the plain one.
/// </remarks>
internal sealed class OcsfNormalizer : IEventNormalizer
{
    public string Vendor => "ocsf";

    public bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return VendorJson.Fail(VendorJson.ExpectedObject, out normalized, out error);
        }

        var classUid = raw.Prop("class_uid"u8);
        if (classUid.ValueKind != JsonValueKind.Number || !classUid.TryGetInt32(out var classNumber) || !IsKnownClass(classNumber))
        {
            return VendorJson.Fail($"class_uid must be the integer of an OCSF 1.3 class, got {Describe(classUid)}",
                out normalized, out error);
        }

        var timeValue = raw.Prop("time"u8);
        if (timeValue.ValueKind != JsonValueKind.Number || !VendorTime.TryEpoch(timeValue, out var time))
        {
            return VendorJson.Fail($"time must be a positive epoch number (milliseconds), got {Describe(timeValue)}",
                out normalized, out error);
        }

        var actorUser = raw.Prop("actor"u8).Prop("user"u8);
        var user = raw.Prop("user"u8);
        var userValue = actorUser.Prop("email_addr"u8).HasText() ? actorUser.Prop("email_addr"u8)
            : actorUser.Prop("name"u8).HasText() ? actorUser.Prop("name"u8)
            : user.Prop("email_addr"u8).HasText() ? user.Prop("email_addr"u8)
            : user.Prop("name"u8);
        if (!userValue.HasText())
        {
            return VendorJson.Fail("no user: expected one of actor.user.email_addr, actor.user.name, user.email_addr, user.name",
                out normalized, out error);
        }

        var userKey = VendorJson.UserKey(userValue);
        var metadata = raw.Prop("metadata"u8);
        var eventId = VendorJson.EventId(metadata.Prop("uid"u8), raw);
        var activity = raw.Prop("activity_id"u8);
        var activityId = activity.ValueKind == JsonValueKind.Number && activity.TryGetInt32(out var number) ? number : 0;

        var writer = OcsfOutput.Begin(classNumber / 1000, classNumber, activityId);
        writer.WriteNumber("time"u8, time);
        writer.WriteStartObject("metadata"u8);
        writer.WriteString("uid"u8, eventId);
        if (metadata.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in metadata.EnumerateObject())
            {
                if (!property.NameEquals("uid"u8))
                {
                    property.WriteTo(writer);
                }
            }
        }

        writer.WriteEndObject();
        foreach (var property in raw.EnumerateObject())
        {
            if (!IsOwned(property))
            {
                property.WriteTo(writer);
            }
        }

        var json = OcsfOutput.End(writer, JsonMarshal.GetRawUtf8Value(raw), context.TenantId, userKey);
        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json);
        error = null;
        return true;
    }

    /// <summary>Properties this normalizer writes itself, whatever the body says.</summary>
    private static bool IsOwned(JsonProperty property) =>
        property.NameEquals("class_uid"u8) || property.NameEquals("category_uid"u8) || property.NameEquals("activity_id"u8)
        || property.NameEquals("type_uid"u8) || property.NameEquals("time"u8) || property.NameEquals("metadata"u8)
        || property.NameEquals("tenant_id"u8) || property.NameEquals("user_key"u8) || property.NameEquals("raw_data"u8);

    /// <summary>
    /// The class numbers OCSF 1.3 defines per category: System 1001–1008, Findings 2001–2005, IAM 3001–3006,
    /// Network 4001–4014, Discovery 5001–5021, Application 6001–6007, Remediation 7001–7004.
    /// </summary>
    private static bool IsKnownClass(int uid) => (uid / 1000, uid % 1000) switch
    {
        (1, >= 1 and <= 8) or (2, >= 1 and <= 5) or (3, >= 1 and <= 6) or (4, >= 1 and <= 14) or (5, >= 1 and <= 21)
            or (6, >= 1 and <= 7) or (7, >= 1 and <= 4) => true,
        _ => false,
    };

    private static string Describe(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.Undefined => "nothing",
            JsonValueKind.String => $"the string \"{VendorJson.Quote(value)}\"",
            _ => VendorJson.Quote(value),
        };
}
