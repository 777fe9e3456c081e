using System.Globalization;

namespace SecurityCoach.Benchmarks.Micro;

/// <summary>
/// A tenant's campaign library: the kinds of patterns customers write (phishing clicks, malware by severity,
/// risky uploads, unusual hosts …), each kind repeated with other values so that no two campaigns are alike.
/// Against one event most of them fail somewhere in the middle, as real campaigns do; a few match.
/// </summary>
public static class CampaignPatterns
{
    private static readonly string[] Shapes =
    [
        """{"class_uid":[4002],"disposition":["Allowed"],"url":{"categories":["Phishing","Malicious{0}"]}}""",
        """{"class_uid":[2004],"severity_id":[{"numeric":[">=", {1}]}],"metadata":{"product":{"name":[{"anything-but":"Test{0}"}]}}}""",
        """{"metadata":{"product":{"vendor_name":[{"equals-ignore-case":"crowdstrike"}]}},"finding_info":{"title":[{"prefix":"Known"},"Ransomware {0}"]}}""",
        """{"url":{"url_string":[{"wildcard":"https://*.evil{0}.example/*"}]}}""",
        """{"class_uid":[4002],"src_endpoint":{"ip":[{"cidr":"10.{2}.0.0/16"}]}}""",
        """{"actor":{"user":{"email_addr":[{"suffix":"@acme{0}.example"}]}},"severity_id":[{"numeric":[">", {1}, "<=", 6]}]}""",
        """{"$or":[{"finding_info":{"types":["malware{0}"]}},{"disposition":[{"anything-but":["Allowed","Unknown"]}],"class_uid":[2004]}]}""",
        """{"class_uid":[2004],"file":{"name":[{"suffix":{"equals-ignore-case":".EXE"}}],"hashes":{"value":[{"exists":true}]}},"severity_id":[{"numeric":[">=", {1}]}],"device":{"hostname":[{"anything-but":"BUILD-{0}"}]}}""",
        """{"device":{"hostname":[{"prefix":{"equals-ignore-case":"laptop-{0}"}}]},"disposition":["Blocked","Allowed"]}""",
        """{"metadata":{"product":{"vendor_name":["Zscaler","Netskope"]}},"url":{"hostname":[{"anything-but":{"suffix":".acme{0}.example"}}]},"severity_id":[5,6]}""",
        """{"class_uid":[2004],"finding_info":{"title":[{"equals-ignore-case":"malware detected in upload{0}"}]},"actor":{"user":{"email_addr":[{"exists":true}]}}}""",
        """{"dst_endpoint":{"ip":[{"cidr":"203.0.{2}.0/24"},{"cidr":"2001:db8:{2}::/48"}]},"disposition":["Allowed"]}""",
    ];

    /// <summary>The first <paramref name="count"/> campaign patterns of the library, as JSON text.</summary>
    public static string[] Library(int count)
    {
        var patterns = new string[count];
        for (var i = 0; i < count; i++)
        {
            var round = i / Shapes.Length;
            patterns[i] = Shapes[i % Shapes.Length]
                .Replace("{0}", round == 0 ? "" : round.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{1}", (1 + (round % 5)).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{2}", (1 + round).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return patterns;
    }
}
