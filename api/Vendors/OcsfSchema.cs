using System.Text;

namespace SecurityCoach.Api.Vendors;

/// <summary>OCSF 1.3.0 <c>severity_id</c> values.</summary>
internal enum OcsfSeverity
{
    Unknown = 0,
    Informational = 1,
    Low = 2,
    Medium = 3,
    High = 4,
    Critical = 5,
}

/// <summary>OCSF 1.3.0 <c>disposition_id</c> values (security_control profile) that the vendors here produce.</summary>
internal enum OcsfDisposition
{
    Unknown = 0,
    Allowed = 1,
    Blocked = 2,
    Quarantined = 3,
    Restored = 9,
    Detected = 15,
    Other = 99,
}

/// <summary>OCSF 1.3.0 <c>status_id</c> values.</summary>
internal enum OcsfStatus
{
    Unknown = 0,
    Success = 1,
    Failure = 2,
    Other = 99,
}

/// <summary>Class numbers, captions and the vendor-text mappings shared by the normalizers.</summary>
internal static class OcsfSchema
{
    public const string SchemaVersion = "1.3.0";

    public const int FindingsCategory = 2;
    public const int DetectionFindingClass = 2004;
    public const int IamCategory = 3;
    public const int AccountChangeClass = 3001;
    public const int AuthenticationClass = 3002;
    public const int NetworkCategory = 4;
    public const int NetworkActivityClass = 4001;
    public const int HttpActivityClass = 4002;
    public const int DnsActivityClass = 4003;
    public const int EmailActivityClass = 4009;
    public const int EmailUrlActivityClass = 4011;
    public const int ApplicationCategory = 6;
    public const int WebResourcesActivityClass = 6001;
    public const int ApiActivityClass = 6003;

    /// <summary><c>activity_id</c> 99: an activity the class does not name.</summary>
    public const int OtherActivity = 99;

    /// <summary>Detection Finding activity 1: a finding was created.</summary>
    public const int CreateActivity = 1;

    public static ReadOnlySpan<byte> Caption(OcsfSeverity severity) => severity switch
    {
        OcsfSeverity.Informational => "Informational"u8,
        OcsfSeverity.Low => "Low"u8,
        OcsfSeverity.Medium => "Medium"u8,
        OcsfSeverity.High => "High"u8,
        OcsfSeverity.Critical => "Critical"u8,
        _ => "Unknown"u8,
    };

    public static ReadOnlySpan<byte> Caption(OcsfStatus status) => status switch
    {
        OcsfStatus.Success => "Success"u8,
        OcsfStatus.Failure => "Failure"u8,
        OcsfStatus.Other => "Other"u8,
        _ => "Unknown"u8,
    };

    public static ReadOnlySpan<byte> Caption(OcsfDisposition disposition) => disposition switch
    {
        OcsfDisposition.Allowed => "Allowed"u8,
        OcsfDisposition.Blocked => "Blocked"u8,
        OcsfDisposition.Quarantined => "Quarantined"u8,
        OcsfDisposition.Restored => "Restored"u8,
        OcsfDisposition.Detected => "Detected"u8,
        OcsfDisposition.Other => "Other"u8,
        _ => "Unknown"u8,
    };

    /// <summary>
    /// Severity from a vendor caption such as "High", "med" or "Critical (90–100)": the first word decides, case
    /// ignored. "None" is a vendor's way of saying there is no threat, so it is Informational.
    /// </summary>
    public static OcsfSeverity SeverityFromName(ReadOnlySpan<byte> name)
    {
        var end = name.IndexOfAny((byte)' ', (byte)'(');
        var word = end < 0 ? name : name[..end];
        if (Ascii.EqualsIgnoreCase(word, "critical"u8) || Ascii.EqualsIgnoreCase(word, "crit"u8))
        {
            return OcsfSeverity.Critical;
        }

        if (Ascii.EqualsIgnoreCase(word, "high"u8))
        {
            return OcsfSeverity.High;
        }

        if (Ascii.EqualsIgnoreCase(word, "medium"u8) || Ascii.EqualsIgnoreCase(word, "med"u8))
        {
            return OcsfSeverity.Medium;
        }

        if (Ascii.EqualsIgnoreCase(word, "low"u8))
        {
            return OcsfSeverity.Low;
        }

        return Ascii.EqualsIgnoreCase(word, "informational"u8) || Ascii.EqualsIgnoreCase(word, "info"u8)
            || Ascii.EqualsIgnoreCase(word, "none"u8)
            ? OcsfSeverity.Informational
            : OcsfSeverity.Unknown;
    }

    /// <summary>HTTP Activity <c>activity_id</c> from the request method: 1 Connect … 9 Patch, 99 for others.</summary>
    public static int HttpActivity(ReadOnlySpan<byte> method) => method switch
    {
        _ when Ascii.EqualsIgnoreCase(method, "CONNECT"u8) => 1,
        _ when Ascii.EqualsIgnoreCase(method, "DELETE"u8) => 2,
        _ when Ascii.EqualsIgnoreCase(method, "GET"u8) => 3,
        _ when Ascii.EqualsIgnoreCase(method, "HEAD"u8) => 4,
        _ when Ascii.EqualsIgnoreCase(method, "OPTIONS"u8) => 5,
        _ when Ascii.EqualsIgnoreCase(method, "POST"u8) => 6,
        _ when Ascii.EqualsIgnoreCase(method, "PUT"u8) => 7,
        _ when Ascii.EqualsIgnoreCase(method, "TRACE"u8) => 8,
        _ when Ascii.EqualsIgnoreCase(method, "PATCH"u8) => 9,
        _ => 99,
    };
}
