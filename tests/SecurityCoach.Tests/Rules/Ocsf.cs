using System.Text.Json;
using SecurityCoach.Rules;

namespace SecurityCoach.Tests.Rules;

/// <summary>Normalized OCSF events as the matcher sees them, and shorthands for matching against them.</summary>
internal static class Ocsf
{
    public const string Finding = """
        {
          "class_uid": 2004,
          "severity_id": 4,
          "time": 1700000000000,
          "metadata": { "uid": "abc", "product": { "vendor_name": "CrowdStrike", "name": "Falcon" } },
          "actor": { "user": { "email_addr": "jdoe@example.com", "name": "jdoe" } },
          "src_endpoint": { "ip": "10.1.2.3" },
          "dst_endpoint": { "ip": "2001:db8::1:42" },
          "url": { "url_string": "https://evil.example/login" },
          "disposition": "Allowed",
          "status_detail": "",
          "confidence": null,
          "is_alert": true,
          "risk_score": 72.5,
          "finding_info": { "title": "Known Malware", "types": ["Malware", "NGAV"] },
          "observables": [
            { "name": "url", "type_id": 6, "value": "https://evil.example/login" },
            { "name": "src_endpoint.ip", "type_id": 2, "value": "10.1.2.3" }
          ],
          "tenant_id": "acme",
          "user_key": "jdoe@example.com"
        }
        """;

    public static bool Matches(string pattern, string evt = Finding)
    {
        using var document = JsonDocument.Parse(evt);
        return EventPattern.Parse(pattern).Matches(document.RootElement);
    }

    public static PatternException Rejects(string pattern) =>
        Assert.Throws<PatternException>(() => EventPattern.Parse(pattern));
}
