using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace SecurityCoach;

/// <summary>
/// A built-in campaign: a pattern over our normalized events with one <c>$or</c> branch per vendor that has the
/// signal, a default risk weight and a tip. A tenant enables it with its channels; it is then stored as an
/// ordinary campaign under <see cref="Id"/>.
/// </summary>
public sealed record SystemCampaign(
    string Id,
    string Name,
    string Description,
    string[] Vendors,
    double RiskWeight,
    CoachingTip Tip,
    string Pattern);

/// <summary>The catalog of system campaigns. Ids are stable: a tenant's enabled campaign is stored under them.</summary>
public static class SystemCampaigns
{
    /// <summary>Campaign ids with this prefix belong to the catalog; tenants cannot PUT their own under it.</summary>
    public const string IdPrefix = "sys-";

    // Each branch names its vendor (metadata.product.vendor_name), because category words and alert fields are
    // each vendor's own vocabulary: "Phishing" means the same thing only within one product's taxonomy.
    /// <summary>A phishing URL was opened and allowed.</summary>
    public static readonly SystemCampaign PhishingClick = new(
        "sys-phishing-click",
        "Phishing link clicked and permitted",
        "A user opened a URL classified as phishing and the gateway let it through (e-mail click protection, web proxy, DNS), or a Defender alert for a malicious URL click.",
        ["Proofpoint", "Mimecast", "Zscaler", "Palo Alto Networks", "Cisco Umbrella", "Netskope", "Microsoft Defender", "OCSF"],
        40,
        new CoachingTip(
            "That link was a phishing page",
            "You opened {{url.url_string}}, a page known for phishing. If you typed a password there, change it now and tell the security team. Next time, check the sender and hover over a link before you click it."),
        """
        {"$or": [
          {"metadata": {"product": {"vendor_name": ["Proofpoint"]}}, "class_uid": [4011], "disposition": ["Allowed"], "url": {"categories": ["phish"]}},
          {"metadata": {"product": {"vendor_name": ["Mimecast"]}}, "class_uid": [4011], "disposition": ["Allowed"], "url": {"categories": [{"prefix": {"equals-ignore-case": "phishing"}}]}},
          {"metadata": {"product": {"vendor_name": ["Zscaler"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": ["Phishing"]}},
          {"metadata": {"product": {"vendor_name": ["Palo Alto Networks"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": ["phishing"]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": ["Phishing"]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4003], "disposition": ["Allowed"], "unmapped": {"categories": ["Phishing"]}},
          {"metadata": {"product": {"vendor_name": ["Netskope"]}}, "class_uid": [2004], "disposition": ["Allowed", "Detected"], "url": {"categories": [{"equals-ignore-case": "phishing"}]}},
          {"metadata": {"product": {"vendor_name": ["Netskope"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": [{"equals-ignore-case": "phishing"}]}},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [2004], "finding_info": {"title": [
            {"equals-ignore-case": "A potentially malicious URL click was detected"},
            {"equals-ignore-case": "A user clicked through to a potentially malicious URL"}]}},
          {"class_uid": [2004], "disposition": ["Allowed"], "finding_info": {"types": [{"equals-ignore-case": "phishing"}]}}
        ]}
        """);

    /// <summary>Malware detected, or a malware URL or download not blocked.</summary>
    public static readonly SystemCampaign Malware = new(
        "sys-malware",
        "Malware detected or not blocked",
        "An endpoint or cloud security tool detected malware on the user's device or files (blocked or not), a gateway found malware in a download or an outgoing mail, or let the user reach a malware URL.",
        ["CrowdStrike", "Microsoft Defender", "Netskope", "Zscaler", "Cisco Umbrella", "Palo Alto Networks", "Proofpoint", "Mimecast"],
        50,
        new CoachingTip(
            "Malware was found: {{finding_info.title}}",
            "A security tool found malicious software linked to your account ({{file.name}} {{url.url_string}}). Do not open the file again, leave the device on the network, and contact the security team. Only install software from trusted sources."),
        """
        {"$or": [
          {"metadata": {"product": {"vendor_name": ["CrowdStrike"]}}, "class_uid": [2004], "finding_info": {"types": ["Malware", "Machine Learning"]}},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [2004], "finding_info": {"types": [
            {"equals-ignore-case": "Malware"}, {"equals-ignore-case": "Ransomware"}, {"equals-ignore-case": "UnwantedSoftware"}]}},
          {"metadata": {"product": {"vendor_name": ["Netskope"]}}, "class_uid": [2004], "finding_info": {"types": [{"equals-ignore-case": "malware"}]}},
          {"metadata": {"product": {"vendor_name": ["Zscaler"]}}, "class_uid": [4002], "unmapped": {"malwarecat": [{"anything-but": ["None", "NA", ""]}]}},
          {"metadata": {"product": {"vendor_name": ["Zscaler"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": ["Malicious Content", "Spyware/Adware", "Botnet Callback"]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4002], "malware": {"name": [{"exists": true}]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": ["Malware", "Command and Control"]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4003], "disposition": ["Allowed"], "unmapped": {"categories": ["Malware", "Command and Control"]}},
          {"metadata": {"product": {"vendor_name": ["Palo Alto Networks"]}}, "class_uid": [4002], "disposition": ["Allowed"], "url": {"categories": ["malware", "ransomware", "command-and-control"]}},
          {"metadata": {"product": {"vendor_name": ["Proofpoint"]}}, "class_uid": [4011], "disposition": ["Allowed"], "url": {"categories": ["malware"]}},
          {"metadata": {"product": {"vendor_name": ["Mimecast"]}}, "class_uid": [4011], "disposition": ["Allowed"], "url": {"categories": [{"prefix": {"equals-ignore-case": "malware"}}]}},
          {"metadata": {"product": {"vendor_name": ["Mimecast"]}}, "class_uid": [4009], "direction": [{"anything-but": "Inbound"}], "malware": {"name": [{"exists": true}]}}
        ]}
        """);

    /// <summary>A DLP rule matched.</summary>
    public static readonly SystemCampaign DataLoss = new(
        "sys-dlp",
        "Data loss prevention violation",
        "A DLP policy matched something the user uploaded, posted or shared (Netskope DLP alerts, Zscaler web DLP, Microsoft Purview DLP alerts).",
        ["Netskope", "Zscaler", "Microsoft Purview (Graph alerts)"],
        30,
        new CoachingTip(
            "Sensitive data left through an unapproved path",
            "A data-protection rule flagged what you sent ({{file.name}} {{url.url_string}}). Share customer and company data only through approved tools; if this was a mistake, delete the copy and let the security team know."),
        """
        {"$or": [
          {"metadata": {"product": {"vendor_name": ["Netskope"]}}, "class_uid": [2004], "finding_info": {"types": [{"equals-ignore-case": "DLP"}]}},
          {"metadata": {"product": {"vendor_name": ["Zscaler"]}, "event_code": ["DLP"]}, "class_uid": [2004]},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [2004], "unmapped": {"serviceSource": [{"equals-ignore-case": "microsoftDataLossPrevention"}]}}
        ]}
        """);

    /// <summary>A risky or impossible-travel sign-in.</summary>
    public static readonly SystemCampaign RiskySignIn = new(
        "sys-risky-signin",
        "Risky or impossible-travel sign-in",
        "A sign-in the identity provider rates as risky (Entra risk level medium or high, or a user at risk), an Identity Protection sign-in detection, impossible or atypical travel, or an Okta sign-in with a suspected threat or velocity anomaly.",
        ["Microsoft Entra ID", "Microsoft Defender", "Okta", "CrowdStrike Identity Protection"],
        30,
        new CoachingTip(
            "An unusual sign-in to your account",
            "We saw a sign-in to your account that looks unusual ({{src_endpoint.ip}} {{src_endpoint.location.city}} {{src_endpoint.location.country}}). If it was not you, change your password now and report it; never approve a sign-in prompt you did not start."),
        """
        {"$or": [
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [3002], "$or": [
            {"severity_id": [{"numeric": [">=", 3]}]},
            {"unmapped": {"riskState": ["atRisk", "confirmedCompromised"]}}]},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [2004], "finding_info": {"types": ["IdentityProtection"]}, "unmapped": {"activity": ["signin"]}},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [2004], "finding_info": {"title": [
            {"equals-ignore-case": "Impossible travel activity"}, {"equals-ignore-case": "Atypical travel"},
            {"equals-ignore-case": "Activity from infrequent country"}, {"equals-ignore-case": "Unfamiliar sign-in properties"}]}},
          {"metadata": {"product": {"vendor_name": ["Okta"]}}, "class_uid": [3002], "unmapped": {"debugContext": {"debugData": {"$or": [
            {"threatSuspected": ["true"]},
            {"behaviors": [{"wildcard": "*Velocity=POSITIVE*"}]},
            {"risk": [{"wildcard": "*level=HIGH*"}]}]}}}},
          {"metadata": {"product": {"vendor_name": ["CrowdStrike"]}}, "class_uid": [2004], "unmapped": {"model_anomaly_indicators": [{"prefix": "ACCOUNT_IMPOSSIBLE"}]}}
        ]}
        """);

    /// <summary>An MFA prompt denied or reported.</summary>
    public static readonly SystemCampaign MfaFatigue = new(
        "sys-mfa-fatigue",
        "MFA push denied or reported (MFA fatigue)",
        "The user denied or reported a multi-factor prompt they did not expect: an Okta Verify push rejected, an Entra MFA request denied or reported as fraud, a CrowdStrike identity verification denied. Repeated prompts are how MFA-fatigue attacks get in; each one adds to the user's risk score.",
        ["Okta", "Microsoft Entra ID", "CrowdStrike Identity Protection"],
        40,
        new CoachingTip(
            "You denied a sign-in prompt: good",
            "Someone asked for a sign-in approval you did not expect ({{metadata.product.name}}). Denying it was right. An unexpected prompt means someone may know your password: change it now and report the prompt. Never approve a prompt to make them stop."),
        """
        {"$or": [
          {"metadata": {"product": {"vendor_name": ["Okta"]}, "event_code": ["user.mfa.okta_verify.deny_push", "user.mfa.attempt_bypass"]}},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [3002], "status_code": ["500121"], "status_detail": [{"prefix": "MFA denied"}]},
          {"metadata": {"product": {"vendor_name": ["Microsoft"]}}, "class_uid": [2004], "finding_info": {"title": ["mfaFraud"]}},
          {"metadata": {"product": {"vendor_name": ["CrowdStrike"]}}, "class_uid": [2004], "finding_info": {"title": [{"equals-ignore-case": "Identity verification denied"}]}}
        ]}
        """);

    /// <summary>A gambling, adult or malicious URL category blocked.</summary>
    public static readonly SystemCampaign BlockedCategory = new(
        "sys-blocked-category",
        "Blocked gambling, adult or malicious URL category",
        "A web gateway, DNS filter or e-mail click protection blocked a URL because of its category: gambling, adult content, or a security category (phishing, malware, command and control).",
        ["Zscaler", "Palo Alto Networks", "Cisco Umbrella", "Netskope", "Proofpoint", "Mimecast"],
        10,
        new CoachingTip(
            "That site was blocked",
            "{{url.url_string}}{{query.hostname}} was blocked because of its category ({{url.categories}}{{unmapped.blocked_categories}}). Work devices and networks are for work; a blocked security category can also mean a link in a message was malicious, so report it if one led you there."),
        """
        {"$or": [
          {"metadata": {"product": {"vendor_name": ["Zscaler"]}}, "class_uid": [4002], "disposition": ["Blocked"], "url": {"categories": [
            "Gambling", "Adult Material", "Pornography", "Nudity", "Adult Themes", "Security", "Phishing", "Malicious Content",
            "Botnet Callback", "Spyware/Adware", "Suspicious Destinations"]}},
          {"metadata": {"product": {"vendor_name": ["Palo Alto Networks"]}}, "class_uid": [4002], "disposition": ["Blocked"], "url": {"categories": [
            "gambling", "adult", "nudity", "phishing", "malware", "ransomware", "command-and-control", "grayware"]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4002], "disposition": ["Blocked"], "url": {"categories": [
            "Gambling", "Adult", "Pornography", "Nudity", "Lingerie/Bikini", "Sexuality", "Malware", "Phishing", "Command and Control", "Cryptomining", "Potentially Harmful"]}},
          {"metadata": {"product": {"vendor_name": ["Cisco"]}}, "class_uid": [4003], "disposition": ["Blocked"], "unmapped": {"blocked_categories": [
            "Gambling", "Adult", "Pornography", "Nudity", "Lingerie/Bikini", "Sexuality", "Malware", "Phishing", "Command and Control", "Cryptomining", "Potentially Harmful"]}},
          {"metadata": {"product": {"vendor_name": ["Netskope"]}}, "class_uid": [2004], "disposition": ["Blocked"], "url": {"categories": [
            {"equals-ignore-case": "Gambling"}, {"prefix": {"equals-ignore-case": "adult"}}, {"equals-ignore-case": "Pornography"},
            {"equals-ignore-case": "Phishing"}, {"equals-ignore-case": "Malware"}]}},
          {"metadata": {"product": {"vendor_name": ["Proofpoint"]}}, "class_uid": [4011], "disposition": ["Blocked"], "url": {"categories": ["phish", "malware"]}},
          {"metadata": {"product": {"vendor_name": ["Mimecast"]}}, "class_uid": [4011], "disposition": ["Blocked"]}
        ]}
        """);

    /// <summary>Every system campaign, in the order the API lists them.</summary>
    public static IReadOnlyList<SystemCampaign> All { get; } = [PhishingClick, Malware, DataLoss, RiskySignIn, MfaFatigue, BlockedCategory];

    private static readonly FrozenDictionary<string, SystemCampaign> ById = All.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);

    /// <summary>The system campaign with this id, if there is one.</summary>
    public static bool TryGet(string id, [NotNullWhen(true)] out SystemCampaign? campaign) =>
        ById.TryGetValue(id, out campaign);

    /// <summary>True for an id in the catalog's namespace (<c>sys-…</c>).</summary>
    public static bool IsSystemId(string campaignId) => campaignId.StartsWith(IdPrefix, StringComparison.Ordinal);
}
