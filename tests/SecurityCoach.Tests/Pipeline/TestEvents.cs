using System.Text;

namespace SecurityCoach.Tests.Pipeline;

/// <summary>Normalized events as the ingest API publishes them, for tests that start at the stream.</summary>
public static class TestEvents
{
    public static SecurityEvent Detection(string tenantId, string userKey, string eventId, string title = "Known Malware", string disposition = "Allowed")
    {
        var json = $$"""
            {"class_uid":2004,"category_uid":2,"activity_id":1,"type_uid":200401,"severity_id":4,"time":1767225600000,
             "metadata":{"version":"1.3.0","uid":"{{eventId}}","product":{"name":"Falcon","vendor_name":"CrowdStrike"} },
             "actor":{"user":{"name":"{{userKey}}"} },"device":{"hostname":"LAPTOP-17"},
             "disposition":"{{disposition}}","finding_info":{"title":"{{title}}","types":["Malware"]},
             "tenant_id":"{{tenantId}}","user_key":"{{userKey}}"}
            """;
        return new SecurityEvent(tenantId, userKey, eventId, 1767225600000, "crowdstrike", Encoding.UTF8.GetBytes(json));
    }

    public static string NewTenantId() => "t-" + Guid.NewGuid().ToString("N")[..20];
}
