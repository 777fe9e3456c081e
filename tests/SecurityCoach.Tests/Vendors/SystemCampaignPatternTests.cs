using System.Text.Json;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Coaching;
using SecurityCoach.Rules;
using SecurityCoach.Tests.Http;

namespace SecurityCoach.Tests.Vendors;

/// <summary>
/// Every system campaign's pattern against real normalized events: the golden inputs (normalized as the endpoint
/// does it) and the vendor samples of the normalizer tests. Each row names the event and the system campaigns it
/// must match; every other system campaign must not match it, so each row checks hits and misses alike.
/// </summary>
public sealed class SystemCampaignPatternTests
{
    private const string Phishing = "sys-phishing-click";
    private const string Malware = "sys-malware";
    private const string Dlp = "sys-dlp";
    private const string RiskySignIn = "sys-risky-signin";
    private const string MfaFatigue = "sys-mfa-fatigue";
    private const string Blocked = "sys-blocked-category";

    // Entra sign-in whose MFA push the user declined (error 500121 with the "MFA denied" detail).
    private const string EntraMfaDenied = """
        {"time":"2026-01-05T15:10:00Z","category":"SignInLogs","resultType":"500121","properties":{
          "id":"11111111-2222-4333-8444-555555555555","createdDateTime":"2026-01-05T15:10:00Z",
          "userPrincipalName":"r.costa@northwind.example","userDisplayName":"Rui Costa","appDisplayName":"Azure Portal",
          "ipAddress":"198.51.100.23","status":{"errorCode":500121,"failureReason":"Authentication failed during strong authentication request.",
          "additionalDetails":"MFA denied; user declined the authentication"},"riskLevelDuringSignIn":"none","riskState":"none"}}
        """;

    // Zscaler web DLP: the engine and dictionary that matched an upload.
    private const string ZscalerDlp = """
        {"login":"a.silva@northwind.example","eurl":"https://paste.example.org/new","reqmethod":"POST","action":"Allowed",
         "urlcat":"Online Chat","urlsupercat":"Internet Communication","dlpeng":"PCI","dlpdict":"Credit Cards"}
        """;

    private const string ZscalerGamblingBlocked = """
        {"login":"a.silva@northwind.example","eurl":"https://casino.example/","reqmethod":"GET","action":"Blocked",
         "urlcat":"Gambling","urlsupercat":"Gambling","dlpeng":"None","malwarecat":"None"}
        """;

    // Graph security alerts v2 from Defender for Office 365 (a URL click) and from Purview DLP.
    private const string DefenderUrlClick = """
        {"@odata.type":"#microsoft.graph.security.alert","id":"da-click-1","serviceSource":"microsoftDefenderForOffice365",
         "title":"A potentially malicious URL click was detected","category":"InitialAccess","severity":"high",
         "createdDateTime":"2026-01-13T08:30:12Z","evidence":[{"@odata.type":"#microsoft.graph.security.userEvidence",
         "userAccount":{"accountName":"akim","domainName":"NORTHWIND","userPrincipalName":"a.kim@northwind.example"}}]}
        """;

    private const string PurviewDlp = """
        {"@odata.type":"#microsoft.graph.security.alert","id":"dlp-1","serviceSource":"microsoftDataLossPrevention",
         "title":"DLP policy match for document 'customers.xlsx'","category":"Exfiltration","severity":"medium",
         "createdDateTime":"2026-01-13T09:00:00Z","evidence":[{"@odata.type":"#microsoft.graph.security.userEvidence",
         "userAccount":{"accountName":"akim","domainName":"NORTHWIND","userPrincipalName":"a.kim@northwind.example"}}]}
        """;

    // Okta sign-in with a velocity anomaly (impossible travel) but no suspected threat.
    private const string OktaVelocity = """
        {"uuid":"f1e2d3c4-0000-4000-8000-000000000001","published":"2026-01-05T17:00:00Z","eventType":"user.session.start",
         "displayMessage":"User login to Okta","actor":{"id":"00u1ab2cd3EF4gh5ij6k7","type":"User",
         "alternateId":"dana.kim@northwind.example","displayName":"Dana Kim"},"outcome":{"result":"SUCCESS"},
         "debugContext":{"debugData":{"threatSuspected":"false","behaviors":"{New Geo-Location=POSITIVE, Velocity=POSITIVE}"}}}
        """;

    private static readonly string[] AllIds = [.. SystemCampaigns.All.Select(c => c.Id)];

    public static TheoryData<string, string[]> Rows() => new()
    {
        { "proofpoint/siem-all.json#0", [Phishing] },
        { "proofpoint/siem-all.json#1", [Blocked] },
        { "proofpoint/siem-all.json#2", [] },
        { "proofpoint/siem-all.json#3", [] },
        { "proofpoint/bare-click.ndjson#0", [] },
        { "mimecast/ttp-url-logs.json#0", [Phishing] },
        { "mimecast/ttp-url-logs.json#1", [Blocked] },
        { "mimecast/ttp-url-logs.json#2", [] },
        { "mimecast/siem-and-ttp.ndjson#0", [] },
        { "mimecast/siem-and-ttp.ndjson#1", [Malware] },
        { "mimecast/siem-and-ttp.ndjson#2", [] },
        { "mimecast/siem-and-ttp.ndjson#3", [] },
        { "defender/mde-alerts.json#0", [Malware] },
        { "defender/mde-alerts.json#1", [] },
        { "defender/mde-alerts.json#2", [] },
        { "defender/graph-alerts-v2.ndjson#0", [] },
        { "defender/graph-alerts-v2.ndjson#1", [] },
        { "entra/diagnostic-sign-ins.json#0", [] },
        { "entra/diagnostic-sign-ins.json#1", [RiskySignIn] },
        { "entra/diagnostic-sign-ins.json#2", [] },
        { "entra/graph-risk-detections.json#0", [RiskySignIn] },
        { "entra/graph-risk-detections.json#1", [] },
        { "okta/system-log-page.json#0", [] },
        { "okta/system-log-page.json#1", [RiskySignIn] },
        { "okta/system-log-page.json#2", [MfaFatigue] },
        { "okta/system-log-page.json#3", [] },
        { "okta/system-log-page.json#4", [] },
        { "okta/system-log-page.json#5", [] },
        { "okta/system-log-page.json#6", [] },
        { "paloalto/syslog.log#0", [Blocked] },
        { "paloalto/syslog.log#1", [] },
        { "paloalto/syslog.log#2", [] },
        { "paloalto/syslog.log#3", [] },
        { "umbrella/logs.csv#0", [Blocked] },
        { "umbrella/logs.csv#1", [] },
        { "umbrella/logs.csv#2", [] },
        { "umbrella/logs.csv#3", [Blocked, Malware] },
        { "umbrella/logs.csv#4", [] },
        { "umbrella/logs.csv#5", [Blocked] },
        { "ocsf/events.ndjson#0", [Phishing] },
        { "ocsf/events.ndjson#1", [] },
        { "ocsf/events.ndjson#2", [] },
        { "crowdstrike:EppPrevention", [Malware] },
        { "crowdstrike:EppPolicyDisabled", [] },
        { "crowdstrike:LegacyDetection", [Malware] },
        { "crowdstrike:EndpointAlert", [Malware] },
        { "crowdstrike:IdentityAlert", [RiskySignIn, MfaFatigue] },
        { "zscaler:BlockedDownload", [Malware] },
        { "zscaler:AllowedPaste", [] },
        { "zscaler:AllowedPhishing", [Phishing] },
        { "zscaler:BlockedPhishing", [Blocked] },
        { "zscaler:Dlp", [Dlp] },
        { "zscaler:GamblingBlocked", [Blocked] },
        { "netskope:MalwareBlocked", [Malware] },
        { "netskope:DlpAlert", [Dlp] },
        { "netskope:PhishingPageAllowed", [Phishing] },
        { "netskope:ApplicationUpload", [] },
        { "netskope/events.ndjson#0", [] },
        { "netskope/events.ndjson#1", [] },
        { "netskope/events.ndjson#2", [] },
        { "netskope/events.ndjson#3", [] },
        { "netskope/events.ndjson#4", [] },
        { "netskope/events.ndjson#5", [] },
        { "netskope/events.ndjson#6", [] },
        { "netskope/events.ndjson#7", [] },
        { "netskope/events.ndjson#8", [Dlp] },
        { "zscaler:DlpBlocked", [Dlp] },
        { "zscaler/web-and-dlp.ndjson#0", [Dlp] },
        { "zscaler/web-and-dlp.ndjson#1", [Dlp] },
        { "zscaler/web-and-dlp.ndjson#2", [Dlp] },
        { "zscaler/web-and-dlp.ndjson#3", [] },
        { "entra:MfaDenied", [MfaFatigue] },
        { "defender:UrlClick", [Phishing] },
        { "defender:PurviewDlp", [Dlp] },
        { "okta:Velocity", [RiskySignIn] },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void System_campaigns_match_exactly_the_events_they_are_for(string sample, string[] expected)
    {
        var evt = Normalize(sample);
        foreach (var id in AllIds)
        {
            Assert.True(SystemCampaigns.TryGet(id, out var campaign));
            var matches = EventPattern.Parse(campaign.Pattern).Matches(evt);
            Assert.True(matches == expected.Contains(id),
                $"{id} should {(expected.Contains(id) ? "" : "not ")}match {sample}: {evt}");
            if (matches)
            {
                // The tip as the user would read it: every placeholder resolved or dropped.
                var tip = TipRenderer.Render(campaign.Tip, System.Text.Encoding.UTF8.GetBytes(evt.GetRawText()));
                Assert.DoesNotContain("{{", tip.Title + tip.Body, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Every_system_campaign_is_hit_by_some_row()
    {
        var hit = Rows().SelectMany(row => (string[])row[1]).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(AllIds.Order(StringComparer.Ordinal), hit.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Catalog_ids_are_unique_stable_and_valid_campaign_ids()
    {
        Assert.Equal(
            ["sys-blocked-category", "sys-dlp", "sys-malware", "sys-mfa-fatigue", "sys-phishing-click", "sys-risky-signin"],
            AllIds.Order(StringComparer.Ordinal));
        foreach (var campaign in SystemCampaigns.All)
        {
            Assert.True(Identifiers.IsValidCampaignId(campaign.Id), campaign.Id);
            Assert.True(SystemCampaigns.IsSystemId(campaign.Id), campaign.Id);
            Assert.NotEmpty(campaign.Vendors);
            Assert.InRange(campaign.RiskWeight, 1, 100);
            Assert.Contains("{{", campaign.Tip.Title + campaign.Tip.Body, StringComparison.Ordinal);
        }
    }

    private static JsonElement Normalize(string sample)
    {
        var colon = sample.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var vendor = sample[..colon];
            var raw = sample[(colon + 1)..] switch
            {
                "EppPrevention" => CrowdStrikeNormalizerTests.EppPrevention,
                "EppPolicyDisabled" => CrowdStrikeNormalizerTests.EppPolicyDisabled,
                "LegacyDetection" => CrowdStrikeNormalizerTests.LegacyDetection,
                "EndpointAlert" => CrowdStrikeNormalizerTests.EndpointAlert,
                "IdentityAlert" => CrowdStrikeNormalizerTests.IdentityAlert,
                "BlockedDownload" => ZscalerNormalizerTests.BlockedDownload,
                "AllowedPaste" => ZscalerNormalizerTests.AllowedPaste,
                "AllowedPhishing" => VendorSamples.ZscalerWeb("a.silva@northwind.example", "rec-1"),
                "BlockedPhishing" => VendorSamples.ZscalerWeb("a.silva@northwind.example", "rec-2", action: "Blocked"),
                "Dlp" => ZscalerDlp,
                "GamblingBlocked" => ZscalerGamblingBlocked,
                "MalwareBlocked" => NetskopeNormalizerTests.MalwareBlocked,
                "DlpAlert" => NetskopeNormalizerTests.DlpAlert,
                "PhishingPageAllowed" => NetskopeNormalizerTests.PhishingPageAllowed,
                "ApplicationUpload" => NetskopeNormalizerTests.ApplicationUpload,
                "DlpBlocked" => ZscalerNormalizerTests.DlpBlocked,
                "MfaDenied" => EntraMfaDenied,
                "UrlClick" => DefenderUrlClick,
                "PurviewDlp" => PurviewDlp,
                "Velocity" => OktaVelocity,
                var other => throw new Xunit.Sdk.XunitException($"unknown sample '{other}'"),
            };
            Assert.True(EventNormalizers.TryGet(vendor, out var normalizer), vendor);
            return NormalizedEvent.From(normalizer, raw).Json;
        }

        return Golden(sample);
    }

    /// <summary>The n-th accepted event of a golden input (<c>vendor/file#n</c>), normalized as the endpoint does it.</summary>
    private static JsonElement Golden(string sample)
    {
        var hash = sample.IndexOf('#', StringComparison.Ordinal);
        var input = sample[..hash];
        var position = int.Parse(sample[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var vendor = input[..input.IndexOf('/', StringComparison.Ordinal)];
        Assert.True(EventNormalizers.TryGet(vendor, out var normalizer), vendor);
        var mediaType = Path.GetExtension(input) switch
        {
            ".json" => IngestBody.Json,
            ".ndjson" => IngestBody.Ndjson,
            ".log" => "text/plain",
            _ => "text/csv",
        };
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Vendors", "Golden", input));
        using var records = IngestBody.Parse(body, mediaType, normalizer, out var error);
        Assert.True(records is not null, error);
        var events = records.Normalize(normalizer, new NormalizationContext(NormalizedEvent.TenantId, NormalizedEvent.ReceivedAtMs))
            .Where(o => o.Event is not null)
            .ToList();
        Assert.True(position < events.Count, $"{input} has {events.Count} accepted events, not {position + 1}");
        using var document = JsonDocument.Parse(events[position].Event!.Json);
        return document.RootElement.Clone();
    }
}
