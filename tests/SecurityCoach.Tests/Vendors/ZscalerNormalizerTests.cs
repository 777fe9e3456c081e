using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

public sealed class ZscalerNormalizerTests
{
    // NSS web feed, v9 fields: epochtime as text, the URL only base64-encoded, a threat found and blocked.
    internal const string BlockedDownload = """
        {"version":"v9","sourcetype":"zscalernss-web","tenant_id":"tenant-from-the-body",
         "event":{"time":"Mon Jan  5 14:30:12 2026","epochtime":"1767623412","recordid":"7431958824417566721",
          "login":"Dana.Kim@Northwind.example","dept":"Finance","location":"Lisbon Office","company":"Northwind",
          "devicehostname":"NW-LT-0193","deviceowner":"dkim","cltip":"10.44.2.17","cltpubip":"203.0.113.77",
          "serverip":"192.0.2.140","host":"downloads.fileshare-example.net","reqmethod":"GET",
          "b64url":"ZG93bmxvYWRzLmZpbGVzaGFyZS1leGFtcGxlLm5ldC9zaGFyZWQvUTRfYm9udXNfbGlzdC56aXA=",
          "useragent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
          "action":"Blocked","reason":"Virus/Spyware/Malware Blocked","ruletype":"Malware Protection",
          "rulelabel":"Default Malware Rule","urlcat":"File Host","urlsubcat":"File Host","urlsupercat":"Information Technology",
          "urlclass":"Bandwidth Loss","threatname":"EICAR Test File","malwarecat":"Virus",
          "threatseverity":"Critical (90–100)","riskscore":"12","respcode":"403",
          "filename":"Q4_bonus_list.zip","filetype":"ZIP",
          "sha256":"60b725f10c9c85c70d97880dfe8191b3a7f0d1d1b6e8a7d4e0f4b5c2b1a09f8e","bamd5":"44d88612fea8a8f36de82e1278abb02f"}}
        """;

    // The older bare event: eurl, numeric risk score, asctime without a zone, no record id.
    internal const string AllowedPaste = """
        {"time":"Fri Dec 31 07:07:07 2021","login":"ops-bot","cip":"10.44.9.3","sip":"198.51.100.9",
         "eurl":"https://paste.example.org/raw/Zx81Qk","hostname":"paste.example.org","reqmethod":"POST",
         "ua":"curl/8.5.0","action":"Allowed","urlcat":"Online Chat","urlsupercat":"Internet Communication",
         "riskscore":40,"respcode":"200","dlpeng":"None","dlpdict":"None"}
        """;

    // Web DLP: a card-number upload to a paste site, blocked; engine and dictionary set, no DLP rule name.
    internal const string DlpBlocked = """
        {"sourcetype":"zscalernss-web","event":{"time":"Tue Jan  6 09:15:40 2026","epochtime":1767690940,
         "recordid":"7432211845532647425","login":"Marta.Lopes@Northwind.example","devicehostname":"NW-LT-0412",
         "cip":"10.44.3.88","sip":"203.0.113.45","eurl":"https://pastebin.example.com/api/api_post.php",
         "hostname":"pastebin.example.com","reqmethod":"POST","ua":"Mozilla/5.0 Firefox/133.0","action":"Blocked",
         "reason":"DLP Blocked","ruletype":"DLP","urlcat":"Online Chat","urlsupercat":"Internet Communication",
         "riskscore":"25","dlpeng":"PCI","dlpdict":"Credit Cards","malwarecat":"None"}}
        """;

    private static readonly ZscalerNormalizer Normalizer = new();

    [Fact]
    public void Web_log_becomes_http_activity_with_the_method_as_activity()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal(4002, result.Number("class_uid"));
        Assert.Equal(4, result.Number("category_uid"));
        Assert.Equal(3, result.Number("activity_id"));
        Assert.Equal(400203, result.Number("type_uid"));
        Assert.Equal("GET", result.Text("http_request.http_method"));
        Assert.StartsWith("Mozilla/5.0", result.Text("http_request.user_agent"));
        Assert.Equal("Zscaler Internet Access", result.Text("metadata.product.name"));
        Assert.Equal("Zscaler", result.Text("metadata.product.vendor_name"));
        Assert.Equal("zscaler", result.Event.Vendor);
    }

    [Fact]
    public void Epoch_time_text_wins_over_the_zoneless_time_which_is_kept_as_original()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal(1_767_623_412_000, result.Event.TimeMs);
        Assert.Equal(1_767_623_412_000, result.Number("time"));
        Assert.Equal("Mon Jan  5 14:30:12 2026", result.Text("metadata.original_time"));
    }

    [Fact]
    public void Record_id_is_the_event_id()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal("7431958824417566721", result.Event.EventId);
        Assert.Equal("7431958824417566721", result.Text("metadata.uid"));
    }

    [Fact]
    public void Login_email_is_the_user_and_its_lower_case_the_key()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal("Dana.Kim@Northwind.example", result.Text("actor.user.email_addr"));
        Assert.Equal("dana.kim@northwind.example", result.Event.UserKey);
        Assert.Equal("dana.kim@northwind.example", result.Text("user_key"));
    }

    [Fact]
    public void Base64_url_is_decoded_when_there_is_no_plain_url()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal("downloads.fileshare-example.net/shared/Q4_bonus_list.zip", result.Text("url.url_string"));
        Assert.Equal("downloads.fileshare-example.net", result.Text("url.hostname"));
        Assert.Equal(["File Host", "Information Technology", "Bandwidth Loss"], result.Texts("url.categories"));
    }

    [Fact]
    public void Endpoints_file_and_threat_are_mapped()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal("NW-LT-0193", result.Text("device.hostname"));
        Assert.Equal("10.44.2.17", result.Text("src_endpoint.ip"));
        Assert.Equal("192.0.2.140", result.Text("dst_endpoint.ip"));
        Assert.Equal("downloads.fileshare-example.net", result.Text("dst_endpoint.hostname"));
        Assert.Equal("Q4_bonus_list.zip", result.Text("file.name"));
        Assert.Equal(3, result.Number("file.hashes.0.algorithm_id"));
        Assert.Equal("44d88612fea8a8f36de82e1278abb02f", result.Text("file.hashes.1.value"));
        Assert.Equal("Virus/Spyware/Malware Blocked", result.Text("message"));
        Assert.Equal("EICAR Test File", result.Text("unmapped.threatname"));
        Assert.Equal("Finance", result.Text("unmapped.dept"));
        Assert.False(result.Has("unmapped.login"));
        Assert.False(result.Has("unmapped.b64url"));
    }

    [Fact]
    public void Threat_severity_band_is_the_severity()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal(5, result.Number("severity_id"));
        Assert.Equal("Critical", result.Text("severity"));
    }

    [Fact]
    public void Blocked_action_is_blocked_and_denied()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal("Blocked", result.Text("disposition"));
        Assert.Equal(2, result.Number("disposition_id"));
        Assert.Equal(2, result.Number("action_id"));
    }

    [Fact]
    public void Tenant_claimed_by_the_body_is_ignored()
    {
        var result = NormalizedEvent.From(Normalizer, BlockedDownload);

        Assert.Equal(NormalizedEvent.TenantId, result.Text("tenant_id"));
        Assert.Equal(NormalizedEvent.TenantId, result.Event.TenantId);
    }

    [Fact]
    public void Zscaler_event_without_zone_is_read_as_utc()
    {
        var result = NormalizedEvent.From(Normalizer, AllowedPaste);

        Assert.Equal(1_640_934_427_000, result.Event.TimeMs);
        Assert.Equal("Fri Dec 31 07:07:07 2021", result.Text("metadata.original_time"));
    }

    [Fact]
    public void Bare_event_maps_plain_url_post_and_allowed()
    {
        var result = NormalizedEvent.From(Normalizer, AllowedPaste);

        Assert.Equal("https://paste.example.org/raw/Zx81Qk", result.Text("url.url_string"));
        Assert.Equal("paste.example.org", result.Text("url.hostname"));
        Assert.Equal(6, result.Number("activity_id"));
        Assert.Equal(400206, result.Number("type_uid"));
        Assert.Equal("curl/8.5.0", result.Text("http_request.user_agent"));
        Assert.Equal("10.44.9.3", result.Text("src_endpoint.ip"));
        Assert.Equal("Allowed", result.Text("disposition"));
        Assert.Equal(1, result.Number("disposition_id"));
        Assert.Equal("Allowed", result.Text("action"));
        Assert.Equal(1, result.Number("action_id"));
    }

    [Fact]
    public void Login_without_an_at_sign_is_a_name_and_the_key()
    {
        var result = NormalizedEvent.From(Normalizer, AllowedPaste);

        Assert.Equal("ops-bot", result.Text("actor.user.name"));
        Assert.False(result.Has("actor.user.email_addr"));
        Assert.Equal("ops-bot", result.Event.UserKey);
    }

    [Fact]
    public void Escaped_login_is_decoded_before_it_becomes_the_key()
    {
        const string raw = """{"login":"R.Costa\u0040Northwind.example","eurl":"https://news.example.com/"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal("r.costa@northwind.example", result.Event.UserKey);
        Assert.Equal("R.Costa@Northwind.example", result.Text("actor.user.email_addr"));
    }

    [Fact]
    public void Risk_score_is_banded_when_there_is_no_threat_severity()
    {
        Assert.Equal(3, NormalizedEvent.From(Normalizer, AllowedPaste).Number("severity_id"));
    }

    [Fact]
    public void Placeholder_values_are_left_out_of_the_mapping()
    {
        const string raw = """
            {"login":"a.silva@northwind.example","eurl":"https://news.example.com/","threatname":"None",
             "threatseverity":"None","sha256":"None","bamd5":"NA","filename":"None","reqmethod":"GET"}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.False(result.Has("file"));
        Assert.Equal(1, result.Number("severity_id"));
    }

    [Theory]
    [InlineData("0", 1)]
    [InlineData("34", 2)]
    [InlineData("35", 3)]
    [InlineData("70", 4)]
    [InlineData("95", 5)]
    public void Risk_score_bands(string riskScore, int severityId)
    {
        var raw = $$"""{"login":"a.silva@northwind.example","eurl":"https://news.example.com/","riskscore":"{{riskScore}}"}""";

        Assert.Equal(severityId, NormalizedEvent.From(Normalizer, raw).Number("severity_id"));
    }

    [Fact]
    public void Log_without_threat_or_risk_is_informational()
    {
        const string raw = """{"login":"a.silva@northwind.example","eurl":"https://news.example.com/"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(1, result.Number("severity_id"));
        Assert.Equal("Informational", result.Text("severity"));
        Assert.False(result.Has("disposition"));
    }

    [Theory]
    [InlineData("CONNECT", 1)]
    [InlineData("DELETE", 2)]
    [InlineData("get", 3)]
    [InlineData("HEAD", 4)]
    [InlineData("OPTIONS", 5)]
    [InlineData("PUT", 7)]
    [InlineData("TRACE", 8)]
    [InlineData("PATCH", 9)]
    [InlineData("invalid", 99)]
    public void Request_method_gives_the_activity(string method, int activityId)
    {
        var raw = $$"""{"login":"a.silva@northwind.example","eurl":"https://news.example.com/","reqmethod":"{{method}}"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(activityId, result.Number("activity_id"));
        Assert.Equal(400200 + activityId, result.Number("type_uid"));
    }

    [Fact]
    public void Log_without_a_method_has_unknown_activity()
    {
        const string raw = """{"login":"a.silva@northwind.example","eurl":"https://news.example.com/"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(0, result.Number("activity_id"));
        Assert.Equal(400200, result.Number("type_uid"));
        Assert.False(result.Has("http_request"));
    }

    [Fact]
    public void Base64_url_that_does_not_decode_is_left_out_and_the_host_kept()
    {
        const string raw = """
            {"sourcetype":"zscalernss-web","event":{"login":"a.silva@northwind.example","host":"cdn.example.net",
             "b64url":"%%not-base64%%","epochtime":1767623412}}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.False(result.Has("url.url_string"));
        Assert.Equal("cdn.example.net", result.Text("url.hostname"));
    }

    [Fact]
    public void Log_without_record_id_gets_a_stable_hash_id()
    {
        var first = NormalizedEvent.From(Normalizer, AllowedPaste).Event.EventId;
        var other = NormalizedEvent.From(Normalizer, AllowedPaste.Replace("Zx81Qk", "Zx81Ql", StringComparison.Ordinal)).Event.EventId;

        Assert.Matches("^sha256:[0-9a-f]{64}$", first);
        Assert.Equal(first, NormalizedEvent.From(Normalizer, AllowedPaste).Event.EventId);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Log_without_usable_time_gets_the_arrival_time()
    {
        const string raw = """{"login":"a.silva@northwind.example","eurl":"https://news.example.com/","time":"yesterday"}""";

        Assert.Equal(NormalizedEvent.ReceivedAtMs, NormalizedEvent.From(Normalizer, raw).Event.TimeMs);
    }

    [Fact]
    public void Log_without_login_is_rejected_naming_the_field()
    {
        const string raw = """{"sourcetype":"zscalernss-web","event":{"eurl":"https://news.example.com/","login":"NA"}}""";

        Assert.Equal("no user: expected one of login", NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Other_nss_feeds_are_rejected_by_sourcetype()
    {
        const string raw = """{"sourcetype":"zscalernss-fw","event":{"login":"a.silva@northwind.example","csip":"10.0.0.1"}}""";

        Assert.Equal("unsupported Zscaler sourcetype 'zscalernss-fw'", NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Object_of_another_shape_is_rejected()
    {
        Assert.StartsWith("not a Zscaler web log", NormalizedEvent.Rejection(Normalizer, """{"login":"a.silva@northwind.example"}"""));
    }

    [Fact]
    public void Value_that_is_not_an_object_is_rejected()
    {
        Assert.Equal("expected a JSON object", NormalizedEvent.Rejection(Normalizer, "\"GET https://news.example.com/\""));
    }

    [Fact]
    public void Web_dlp_match_becomes_a_detection_finding_titled_by_the_engine()
    {
        var result = NormalizedEvent.From(Normalizer, DlpBlocked);

        Assert.Equal(2004, result.Number("class_uid"));
        Assert.Equal(2, result.Number("category_uid"));
        Assert.Equal(200401, result.Number("type_uid"));
        Assert.Equal("DLP", result.Text("metadata.event_code"));
        Assert.Equal("PCI", result.Text("finding_info.title"));
        Assert.Equal("7432211845532647425", result.Text("finding_info.uid"));
        Assert.Equal(["PCI", "Credit Cards"], result.Texts("finding_info.types"));
        Assert.Equal("DLP Blocked", result.Text("message"));
        Assert.Equal(1_767_690_940_000, result.Event.TimeMs);
        Assert.Equal("https://pastebin.example.com/api/api_post.php", result.Text("url.url_string"));
        Assert.Equal("marta.lopes@northwind.example", result.Event.UserKey);
    }

    [Fact]
    public void Blocked_dlp_record_is_a_blocked_disposition_and_keeps_its_method_unmapped()
    {
        var result = NormalizedEvent.From(Normalizer, DlpBlocked);

        Assert.Equal("Blocked", result.Text("disposition"));
        Assert.Equal(2, result.Number("action_id"));
        Assert.False(result.Has("http_request"));
        Assert.Equal("POST", result.Text("unmapped.reqmethod"));
        Assert.Equal("Mozilla/5.0 Firefox/133.0", result.Text("unmapped.ua"));
        Assert.Equal("PCI", result.Text("unmapped.dlpeng"));
    }

    [Fact]
    public void Dlp_rule_name_is_the_title_when_the_feed_has_it()
    {
        const string raw = """
            {"login":"p.rao@northwind.example","url":"content.example/upload","action":"Allowed","dlprulename":"Monitor HR uploads",
             "dlpeng":"HIPAA","dlpdict":"Medical Information","upload_filename":"claims.xlsx"}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal("Monitor HR uploads", result.Text("finding_info.title"));
        Assert.Equal("Allowed", result.Text("disposition"));
        Assert.Equal("claims.xlsx", result.Text("file.name"));
    }

    [Fact]
    public void Dictionary_alone_makes_a_finding_titled_by_the_dictionary()
    {
        const string raw = """{"login":"svc-backup","eurl":"https://storage.example.net/u","dlpeng":"NA","dlpdict":"Social Security Numbers (US)"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(2004, result.Number("class_uid"));
        Assert.Equal("Social Security Numbers (US)", result.Text("finding_info.title"));
        Assert.Equal(["Social Security Numbers (US)"], result.Texts("finding_info.types"));
        Assert.Equal("svc-backup", result.Text("actor.user.name"));
    }

    [Theory]
    [InlineData("None")]
    [InlineData("NA")]
    [InlineData("none")]
    [InlineData("")]
    public void Dlp_fields_saying_nothing_matched_keep_the_record_http_activity(string empty)
    {
        var raw = $$"""{"login":"a@northwind.example","eurl":"https://news.example.com/","reqmethod":"GET","dlpeng":"{{empty}}","dlpdict":"{{empty}}","dlprulename":"{{empty}}"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(4002, result.Number("class_uid"));
        Assert.False(result.Has("finding_info"));
        Assert.False(result.Has("metadata.event_code"));
    }
}
