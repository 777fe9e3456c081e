using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// Microsoft Defender alerts as OCSF Detection Findings (2004), from two APIs: Defender for Endpoint
/// <c>/api/alerts</c> objects (<c>alertCreationTime</c>, flat <c>evidence</c> with <c>entityType</c>) and Microsoft
/// 365 Defender / Graph security alerts v2 (<c>createdDateTime</c>, typed <c>evidence</c> whose user sits in
/// <c>userAccount</c>). Both come in the OData page <c>{"value":[…]}</c>.
/// </summary>
/// <remarks>
/// The user is the first evidence that names one: a UPN (the e-mail coaching goes to) wins; otherwise the account
/// name with its domain, keyed <c>domain\account</c> like other Windows logon names. MDE's <c>relatedUser</c> and the
/// device's logged-on users come last. A UPN that is a GUID (an unresolved object id) is not an address and is
/// skipped. An alert that names no user is keyed by its device's DNS name (a host identity, which only the
/// tenant's aliases resolve). The alert id is the event id: both APIs use the same id for the same alert.
/// </remarks>
internal sealed class DefenderNormalizer : IEventNormalizer
{
    private const string NotDefender = "not a Defender alert: missing alertCreationTime and createdDateTime";

    private static readonly Utf8NameSet EndpointMapped = new(
        "id", "alertCreationTime", "severity", "title", "description", "category", "threatFamilyName", "computerDnsName",
        "relatedUser", "evidence");

    private static readonly Utf8NameSet GraphMapped = new(
        "id", "createdDateTime", "severity", "title", "description", "category", "threatFamilyName", "evidence");

    public string Vendor => "defender";

    public void AddRecords(JsonElement value, List<VendorRecord> records)
    {
        if (!VendorJson.TryAddEnvelopeItems(value, records, "value"))
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

        var isEndpoint = raw.Prop("alertCreationTime"u8).HasText();
        if (!isEndpoint && !raw.Prop("createdDateTime"u8).HasText())
        {
            return VendorJson.Fail(NotDefender, out normalized, out error);
        }

        var evidence = raw.Prop("evidence"u8);
        var user = isEndpoint ? EndpointUser(raw, evidence) : GraphUser(evidence);
        var deviceName = isEndpoint ? raw.Prop("computerDnsName"u8) : GraphDeviceName(evidence);
        var kind = IdentityKind.Account;
        var userKey = "";
        if (user.Email.HasText() || user.Name.HasText())
        {
            userKey = user.Email.HasText() ? VendorJson.UserKey(user.Email) : AccountKey(user.Name, user.Domain);
        }
        else if (!VendorJson.TryDevice(deviceName, default, out userKey, out kind))
        {
            return VendorJson.Fail(isEndpoint
                    ? "no user and no device: expected evidence[].userPrincipalName or accountName, relatedUser.userName, or computerDnsName"
                    : "no user and no device: expected evidence[].userAccount.userPrincipalName or accountName, a logged-on user, or a device's deviceDnsName",
                out normalized, out error);
        }

        var eventId = VendorJson.EventId(raw.Prop("id"u8), raw);
        var timeText = isEndpoint ? raw.Prop("alertCreationTime"u8) : raw.Prop("createdDateTime"u8);
        var time = VendorTime.TryIso8601(timeText, out var at) ? at : context.ReceivedAtMs;
        var title = raw.Prop("title"u8);
        var description = raw.Prop("description"u8);
        var severity = raw.Prop("severity"u8).TryGetText(out var severityText)
            ? OcsfSchema.SeverityFromName(severityText)
            : OcsfSeverity.Unknown;

        var writer = OcsfOutput.Begin(OcsfSchema.FindingsCategory, OcsfSchema.DetectionFindingClass, OcsfSchema.CreateActivity);
        writer.WriteSeverity(severity);
        writer.WriteNumber("time"u8, time);
        writer.WriteText("message"u8, title.Or(description));
        writer.WriteMetadata(eventId, timeText,
            isEndpoint ? "Microsoft Defender for Endpoint"u8 : "Microsoft 365 Defender"u8, "Microsoft"u8,
            isEndpoint ? raw.Prop("detectionSource"u8) : raw.Prop("serviceSource"u8));
        writer.WriteActor(user.Email, user.Name, user.Uid, user.Domain);
        writer.WriteEndpoint("device"u8, deviceName, default);
        var file = isEndpoint ? FirstWith(evidence, "sha256"u8) : GraphFile(evidence);
        if (isEndpoint && file.ValueKind == JsonValueKind.Undefined)
        {
            file = FirstWith(evidence, "fileName"u8);
        }

        writer.WriteFile(file.Prop("fileName"u8), file.Prop("filePath"u8), file.Prop("sha256"u8), default);
        writer.WriteUrl(FirstWith(evidence, "url"u8).Prop("url"u8), default, []);
        writer.WriteDisposition(Disposition(evidence), default);
        writer.WriteFindingInfo(title, eventId, description, raw.Prop("category"u8), raw.Prop("threatFamilyName"u8));
        writer.WriteUnmapped(raw, isEndpoint ? EndpointMapped : GraphMapped);
        var json = OcsfOutput.End(writer, raw, context.TenantId, userKey);

        normalized = new SecurityEvent(context.TenantId, userKey, eventId, time, Vendor, json) { IdentityKind = kind };
        error = null;
        return true;
    }

    private readonly record struct DefenderUser(JsonElement Email, JsonElement Name, JsonElement Domain, JsonElement Uid);

    private static DefenderUser EndpointUser(JsonElement raw, JsonElement evidence)
    {
        if (evidence.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in evidence.EnumerateArray())
            {
                if (IsAddress(item.Prop("userPrincipalName"u8)))
                {
                    return new DefenderUser(item.Prop("userPrincipalName"u8), item.Prop("accountName"u8),
                        item.Prop("domainName"u8), item.Prop("aadUserId"u8));
                }
            }

            foreach (var item in evidence.EnumerateArray())
            {
                if (item.Prop("accountName"u8).HasText())
                {
                    return new DefenderUser(default, item.Prop("accountName"u8), item.Prop("domainName"u8), item.Prop("aadUserId"u8));
                }
            }
        }

        var related = raw.Prop("relatedUser"u8);
        return new DefenderUser(default, related.Prop("userName"u8), related.Prop("domainName"u8), default);
    }

    private static DefenderUser GraphUser(JsonElement evidence)
    {
        if (evidence.ValueKind != JsonValueKind.Array)
        {
            return default;
        }

        foreach (var item in evidence.EnumerateArray())
        {
            var account = item.Prop("userAccount"u8);
            if (IsAddress(account.Prop("userPrincipalName"u8)))
            {
                return new DefenderUser(account.Prop("userPrincipalName"u8), account.Prop("accountName"u8),
                    account.Prop("domainName"u8), account.Prop("azureAdUserId"u8));
            }
        }

        foreach (var item in evidence.EnumerateArray())
        {
            var account = item.Prop("userAccount"u8);
            if (account.Prop("accountName"u8).HasText())
            {
                return new DefenderUser(default, account.Prop("accountName"u8), account.Prop("domainName"u8),
                    account.Prop("azureAdUserId"u8));
            }
        }

        foreach (var item in evidence.EnumerateArray())
        {
            var loggedOn = item.Prop("loggedOnUsers"u8);
            if (loggedOn.ValueKind == JsonValueKind.Array)
            {
                foreach (var logon in loggedOn.EnumerateArray())
                {
                    if (logon.Prop("accountName"u8).HasText())
                    {
                        return new DefenderUser(default, logon.Prop("accountName"u8), logon.Prop("domainName"u8), default);
                    }
                }
            }
        }

        return default;
    }

    private static bool IsAddress(JsonElement upn) => upn.IsEmail() && !VendorJson.IsGuid(upn);

    /// <summary><c>domain\account</c> lower-cased, or the account alone when the domain is missing.</summary>
    private static string AccountKey(JsonElement account, JsonElement domain) =>
        domain.HasText()
            ? string.Concat(domain.GetString()!.Trim(), "\\", account.GetString()!.Trim()).ToLowerInvariant()
            : VendorJson.UserKey(account);

    private static JsonElement GraphDeviceName(JsonElement evidence)
    {
        if (evidence.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in evidence.EnumerateArray())
            {
                if (item.Prop("deviceDnsName"u8).HasText())
                {
                    return item.Prop("deviceDnsName"u8);
                }
            }
        }

        return default;
    }

    /// <summary>The file of a Graph alert: a file evidence's <c>fileDetails</c>, else a process's <c>imageFile</c>.</summary>
    private static JsonElement GraphFile(JsonElement evidence)
    {
        if (evidence.ValueKind != JsonValueKind.Array)
        {
            return default;
        }

        foreach (var item in evidence.EnumerateArray())
        {
            if (item.Prop("fileDetails"u8).ValueKind == JsonValueKind.Object)
            {
                return item.Prop("fileDetails"u8);
            }
        }

        foreach (var item in evidence.EnumerateArray())
        {
            if (item.Prop("imageFile"u8).ValueKind == JsonValueKind.Object)
            {
                return item.Prop("imageFile"u8);
            }
        }

        return default;
    }

    /// <summary>The first evidence object with text in the property.</summary>
    private static JsonElement FirstWith(JsonElement evidence, ReadOnlySpan<byte> name)
    {
        if (evidence.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in evidence.EnumerateArray())
            {
                if (item.Prop(name).HasText())
                {
                    return item;
                }
            }
        }

        return default;
    }

    /// <summary>
    /// What Defender did, from the evidence: any evidence prevented, blocked or remediated (MDE
    /// <c>detectionStatus</c>, Graph <c>detectionStatus</c> / <c>remediationStatus</c>) makes the alert Blocked;
    /// otherwise it only detected.
    /// </summary>
    private static OcsfDisposition Disposition(JsonElement evidence)
    {
        if (evidence.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in evidence.EnumerateArray())
            {
                if (Stopped(item.Prop("detectionStatus"u8)) || Stopped(item.Prop("remediationStatus"u8)))
                {
                    return OcsfDisposition.Blocked;
                }
            }
        }

        return OcsfDisposition.Detected;
    }

    private static bool Stopped(JsonElement status) =>
        status.TryGetText(out var text) && (Ascii.EqualsIgnoreCase(text, "prevented"u8)
            || Ascii.EqualsIgnoreCase(text, "blocked"u8) || Ascii.EqualsIgnoreCase(text, "remediated"u8));
}
