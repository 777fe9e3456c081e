using System.Globalization;
using System.Text.Json;
using SecurityCoach.Rules;

namespace SecurityCoach.Tests.Rules;

public sealed class AllocationTests
{
    // The Finding event as some producers write it: escaped slashes, a non-ASCII name that the ignore-case
    // matchers have to decode, and arrays of strings and objects.
    private const string Event = """
        {
          "class_uid": 2004, "severity_id": 4, "time": 1700000000000,
          "metadata": { "uid": "abc", "product": { "vendor_name": "CrowdStrike", "name": "Falcon" } },
          "actor": { "user": { "email_addr": "jdoe@example.com", "name": "jdoe", "full_name": "\u00c9lo\u00efse Dupont" } },
          "src_endpoint": { "ip": "10.1.2.3" },
          "dst_endpoint": { "ip": "2001:db8::1:42" },
          "url": { "url_string": "https:\/\/evil.example\/login" },
          "disposition": "Allowed", "status_detail": "", "confidence": null, "is_alert": true, "risk_score": 72.5,
          "finding_info": { "title": "Known Malware", "types": ["Malware", "NGAV"] },
          "observables": [
            { "name": "url", "type_id": 6, "value": "https://evil.example/login" },
            { "name": "src_endpoint.ip", "type_id": 2, "value": "10.1.2.3" }
          ],
          "tenant_id": "acme", "user_key": "jdoe@example.com"
        }
        """;

    private static readonly string[] Shapes =
    [
        """{"class_uid":[2004],"severity_id":[{"numeric":[">=", {0}]}]}""",
        """{"metadata":{"product":{"vendor_name":[{"equals-ignore-case":"crowdstrike"}]}},"disposition":["Allowed","Blocked{0}"]}""",
        """{"url":{"url_string":[{"wildcard":"https://*.example/*{0}"}]},"actor":{"user":{"email_addr":[{"suffix":"@example.com"}]}}}""",
        """{"src_endpoint":{"ip":[{"cidr":"10.{0}.0.0/16"}]}}""",
        """{"finding_info":{"types":[{"anything-but":["Spam","Phishing{0}"]}]},"is_alert":[true]}""",
        """{"$or":[{"severity_id":[{"numeric":[">", {0}, "<", 100]}]},{"finding_info":{"title":[{"prefix":{"equals-ignore-case":"known"}}]}}]}""",
        """{"actor":{"user":{"full_name":[{"prefix":{"equals-ignore-case":"ÉLO{0}"}}, {"anything-but":{"wildcard":"*{0}"}}]}}}""",
        """{"observables":{"type_id":[2],"value":[{"cidr":"10.0.0.0/{0}"}]},"risk_score":[{"numeric":[">", 50]}]}""",
        """{"user_key":[{"exists":true}],"confidence":[null],"status_detail":[""],"time":[{"numeric":[">", 1.6e12]}],"tag":["t{0}"]}""",
        """{"dst_endpoint":{"ip":[{"cidr":"2001:db8::/32"}]},"process":[{"exists":false}],"tenant_id":["acme","other{0}"]}""",
    ];

    [Fact]
    public void Matches_allocates_nothing_on_a_realistic_event_and_campaign_set()
    {
        var patterns = Enumerable.Range(0, 50)
            .Select(i => EventPattern.Parse(Shapes[i % Shapes.Length].Replace("{0}", (8 + (i / Shapes.Length)).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)))
            .ToArray();
        using var document = JsonDocument.Parse(Event);
        var evt = document.RootElement;

        // Warm-up lets the JIT and the runtime's first-use work happen before counting.
        var expected = CountMatches(patterns, evt, rounds: 100);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var matched = CountMatches(patterns, evt, rounds: 2_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(expected * 20, matched);
        Assert.InRange(expected / 100, 1, patterns.Length - 1);
    }

    private static int CountMatches(EventPattern[] patterns, JsonElement evt, int rounds)
    {
        var matched = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var pattern in patterns)
            {
                if (pattern.Matches(evt))
                {
                    matched++;
                }
            }
        }

        return matched;
    }
}
