namespace SecurityCoach.Tests.Http;

/// <summary>Raw vendor events as a customer's tool posts them (invented values, documented fields).</summary>
public static class VendorSamples
{
    public static string CrowdStrikeDetection(string userName, string detectId, long createdMs = 1767225600123) => $$"""
        {"metadata":{"customerIDString":"0123456789abcdef","offset":42,"eventType":"EPPDetectionSummaryEvent","eventCreationTime":{{createdMs}},"version":"1.0"},
         "event":{"DetectId":"{{detectId}}","UserName":"{{userName}}","Hostname":"LAPTOP-17","LogonDomain":"CORP",
                  "Name":"Known Malware","Severity":70,"SeverityName":"High","FileName":"invoice.exe",
                  "FilePath":"\\Device\\HarddiskVolume3\\Users\\jdoe\\Downloads","SHA256String":"{{new string('a', 64)}}",
                  "PatternDispositionDescription":"Prevention, process killed.","PatternDispositionFlags":{"KillProcess":true},
                  "LocalIP":"10.1.2.3","Tactic":"Execution","Technique":"User Execution"} }
        """;

    public static string ZscalerWeb(string login, string recordId, string action = "Allowed", string tenantClaim = "other-tenant") => $$"""
        {"sourcetype":"zscalernss-web","event":{"datetime":"Wed Dec 31 07:07:07 2025","time":"Wed Dec 31 07:07:07 2025","recordid":"{{recordId}}",
         "login":"{{login}}","action":"{{action}}","urlcat":"Phishing","urlsupercat":"Security","eurl":"https://login.evil.example/owa",
         "reqmethod":"GET","cip":"10.1.2.3","sip":"203.0.113.9","riskscore":95,"devicehostname":"LAPTOP-17","tenant_id":"{{tenantClaim}}"} }
        """;

    /// <summary>A Defender for Endpoint alert whose only user is an account evidence: no UPN, so its identity is <c>domain\account</c>.</summary>
    public static string DefenderAccountAlert(string accountName, string domainName, string id) => $$"""
        {"id":"{{id}}","alertCreationTime":"2025-12-31T07:07:07.1234567Z","severity":"High","title":"Suspicious PowerShell command line",
         "category":"Execution","detectionSource":"WindowsDefenderAtp","computerDnsName":"laptop-17.corp.example",
         "evidence":[{"entityType":"User","accountName":"{{accountName}}","domainName":"{{domainName}}"},
                     {"entityType":"File","fileName":"invoice.ps1","filePath":"C:\\Users\\Public","sha256":"{{new string('c', 64)}}"}]}
        """;

    public static string NetskopeAlert(string user, string id) => $$"""
        {"_id":"{{id}}","alert_type":"malware","alert_name":"Malware detected","type":"nspolicy","user":"{{user}}","timestamp":1767225600,
         "severity":"high","action":"block","app":"Google Drive","url":"https://drive.example/file","object":"invoice.exe","md5":"{{new string('b', 32)}}"}
        """;
}
