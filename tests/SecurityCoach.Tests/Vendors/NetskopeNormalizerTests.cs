using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

public sealed class NetskopeNormalizerTests
{
    // A malware download blocked inline; epoch-second time stamp, e-mail user.
    internal const string MalwareBlocked = """
        {"_id":"c41d7e9a2b8f4a61e03b95d2","timestamp":1767350000,"_insertion_epoch_timestamp":1767350012,
         "alert":"yes","alert_type":"Malware","alert_name":"Trojan.GenericKD.71845502","type":"nspolicy",
         "user":"Sam.Taylor@Contoso.example","userkey":"Sam.Taylor@Contoso.example","ur_normalized":"sam.taylor@contoso.example",
         "severity":"high","action":"block","activity":"Download","access_method":"Client",
         "app":"Google Drive","appcategory":"Cloud Storage","category":"Cloud Storage","cci":71,"ccl":"high",
         "url":"https://drive.example.com/uc?id=1AbC9xYz&export=download","site":"Google Drive",
         "object":"Q1-forecast.xlsm","object_type":"File","file_type":"application/vnd.ms-excel.sheet.macroEnabled.12",
         "file_size":48213,"md5":"a3f5c1d2e4b6978812ab34cd56ef7890",
         "sha256":"d2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2",
         "malware_name":"Trojan.GenericKD.71845502","malware_type":"Trojan","malware_severity":"high",
         "srcip":"10.12.0.44","dstip":"142.250.74.110","hostname":"CONTOSO-MBP-118","os":"macOS 15.2",
         "policy":"Block malware downloads","tenant_id":"tenant-from-the-body"}
        """;

    // A DLP alert where user holds a plain name and the e-mail sits in userkey; no alert severity.
    internal const string DlpAlert = """
        {"_id":"5f0e8d7c6b5a49382716a5b4","timestamp":1767353600,"alert_type":"DLP","alert_name":"PCI upload to personal storage",
         "type":"nspolicy","user":"jdoe","userkey":"J.Doe@Contoso.example","action":"alert","activity":"Upload",
         "app":"Dropbox","appcategory":"Cloud Storage","dlp_profile":"PCI-DSS","dlp_rule":"Credit card numbers",
         "dlp_rule_severity":"Medium","object":"customers.csv","object_type":"File"}
        """;

    // A web transaction to a phishing page that policy let through; no user field, the e-mail only in userkey.
    internal const string PhishingPageAllowed = """
        {"_id":"a9c8e7f6d5b44a3b2c1d0e9f","timestamp":1767700000,"type":"page","access_method":"Client","traffic_type":"Web",
         "userkey":"R.Costa@Contoso.example","url":"http://contoso-sso.example-login.net/adfs/ls","domain":"contoso-sso.example-login.net",
         "page":"contoso-sso.example-login.net/adfs/ls","site":"contoso-sso.example-login.net","category":"Phishing",
         "srcip":"10.12.3.9","dstip":"198.51.100.66","hostname":"CONTOSO-LT-0042","action":"allow",
         "useragent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}
        """;

    // A file uploaded to a personal cloud-storage instance; the time stamp comes as text.
    internal const string ApplicationUpload = """
        {"_id":"e1d2c3b4a5964f7e8d9c0b1a","timestamp":"1767700600","type":"application","access_method":"Client",
         "user":"Sam.Taylor@Contoso.example","app":"Dropbox","appcategory":"Cloud Storage","instance_id":"personal",
         "activity":"Upload","object":"customer-list.csv","object_type":"File","object_id":"id:7f3kQ","file_type":"text/csv",
         "file_size":20480,"file_path":"/Personal/customer-list.csv","md5":"0cc175b9c0f1b6a831c399e269772661",
         "srcip":"10.12.0.44","dstip":"162.125.6.20","policy":"Allow sanctioned storage","action":"allow"}
        """;

    private static readonly NetskopeNormalizer Normalizer = new();

    [Fact]
    public void Alert_becomes_a_detection_finding_with_its_id()
    {
        var result = NormalizedEvent.From(Normalizer, MalwareBlocked);

        Assert.Equal(2004, result.Number("class_uid"));
        Assert.Equal(2, result.Number("category_uid"));
        Assert.Equal(200401, result.Number("type_uid"));
        Assert.Equal("c41d7e9a2b8f4a61e03b95d2", result.Event.EventId);
        Assert.Equal("c41d7e9a2b8f4a61e03b95d2", result.Text("metadata.uid"));
        Assert.Equal("Malware", result.Text("metadata.event_code"));
        Assert.Equal("Netskope", result.Text("metadata.product.vendor_name"));
        Assert.Equal("netskope", result.Event.Vendor);
    }

    [Fact]
    public void Epoch_seconds_become_milliseconds()
    {
        var result = NormalizedEvent.From(Normalizer, MalwareBlocked);

        Assert.Equal(1_767_350_000_000, result.Event.TimeMs);
        Assert.Equal(1_767_350_000_000, result.Number("time"));
    }

    [Fact]
    public void Email_user_is_the_actor_and_its_lower_case_the_key()
    {
        var result = NormalizedEvent.From(Normalizer, MalwareBlocked);

        Assert.Equal("Sam.Taylor@Contoso.example", result.Text("actor.user.email_addr"));
        Assert.Equal("sam.taylor@contoso.example", result.Event.UserKey);
    }

    [Fact]
    public void Alert_maps_finding_file_url_and_endpoints()
    {
        var result = NormalizedEvent.From(Normalizer, MalwareBlocked);

        Assert.Equal("Trojan.GenericKD.71845502", result.Text("finding_info.title"));
        Assert.Equal(["Malware", "nspolicy"], result.Texts("finding_info.types"));
        Assert.Equal("Trojan.GenericKD.71845502", result.Text("message"));
        Assert.Equal("Q1-forecast.xlsm", result.Text("file.name"));
        Assert.Equal(3, result.Number("file.hashes.0.algorithm_id"));
        Assert.Equal("a3f5c1d2e4b6978812ab34cd56ef7890", result.Text("file.hashes.1.value"));
        Assert.Equal("https://drive.example.com/uc?id=1AbC9xYz&export=download", result.Text("url.url_string"));
        Assert.Equal("drive.example.com", result.Text("url.hostname"));
        Assert.Equal(["Cloud Storage"], result.Texts("url.categories"));
        Assert.Equal("CONTOSO-MBP-118", result.Text("device.hostname"));
        Assert.Equal("10.12.0.44", result.Text("src_endpoint.ip"));
        Assert.Equal("142.250.74.110", result.Text("dst_endpoint.ip"));
        Assert.Equal("Block malware downloads", result.Text("unmapped.policy"));
        Assert.Equal("Download", result.Text("unmapped.activity"));
        Assert.False(result.Has("unmapped.user"));
    }

    [Fact]
    public void Severity_and_block_action_are_mapped()
    {
        var result = NormalizedEvent.From(Normalizer, MalwareBlocked);

        Assert.Equal(4, result.Number("severity_id"));
        Assert.Equal("Blocked", result.Text("disposition"));
        Assert.Equal(2, result.Number("disposition_id"));
        Assert.Equal(2, result.Number("action_id"));
    }

    [Fact]
    public void Tenant_claimed_by_the_body_is_ignored()
    {
        var result = NormalizedEvent.From(Normalizer, MalwareBlocked);

        Assert.Equal(NormalizedEvent.TenantId, result.Text("tenant_id"));
        Assert.Equal(NormalizedEvent.TenantId, result.Event.TenantId);
    }

    [Fact]
    public void Plain_user_name_is_the_name_and_the_userkey_email_the_key()
    {
        var result = NormalizedEvent.From(Normalizer, DlpAlert);

        Assert.Equal("jdoe", result.Text("actor.user.name"));
        Assert.Equal("J.Doe@Contoso.example", result.Text("actor.user.email_addr"));
        Assert.Equal("j.doe@contoso.example", result.Event.UserKey);
    }

    [Fact]
    public void Dlp_rule_severity_stands_in_for_a_missing_alert_severity()
    {
        Assert.Equal(3, NormalizedEvent.From(Normalizer, DlpAlert).Number("severity_id"));
    }

    [Fact]
    public void Alert_action_is_a_detection_without_an_action_id()
    {
        var result = NormalizedEvent.From(Normalizer, DlpAlert);

        Assert.Equal("Detected", result.Text("disposition"));
        Assert.Equal(15, result.Number("disposition_id"));
        Assert.False(result.Has("action_id"));
    }

    [Theory]
    [InlineData("low", 2)]
    [InlineData("Medium", 3)]
    [InlineData("high", 4)]
    [InlineData("critical", 5)]
    [InlineData("informational", 1)]
    public void Severity_words_map_to_ocsf_severity(string severity, int severityId)
    {
        var raw = $$"""{"alert_type":"policy","alert_name":"Risky app","user":"a@contoso.example","severity":"{{severity}}"}""";

        Assert.Equal(severityId, NormalizedEvent.From(Normalizer, raw).Number("severity_id"));
    }

    [Theory]
    [InlineData("block", "Blocked", 2)]
    [InlineData("blocked", "Blocked", 2)]
    [InlineData("allow", "Allowed", 1)]
    [InlineData("alert", "Detected", 15)]
    [InlineData("Detection", "Detected", 15)]
    [InlineData("quarantine", "Quarantined", 3)]
    [InlineData("restore", "Restored", 9)]
    [InlineData("useralert", "useralert", 99)]
    public void Action_words_map_to_dispositions(string action, string disposition, int dispositionId)
    {
        var raw = $$"""{"alert_type":"policy","alert_name":"Risky app","user":"a@contoso.example","action":"{{action}}"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(disposition, result.Text("disposition"));
        Assert.Equal(dispositionId, result.Number("disposition_id"));
    }

    [Fact]
    public void Alert_without_severity_time_or_action_is_unknown_and_timed_on_arrival()
    {
        const string raw = """{"alert_type":"uba","alert_name":"Bulk Delete","user":"a@contoso.example"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(0, result.Number("severity_id"));
        Assert.Equal("Unknown", result.Text("severity"));
        Assert.Equal(NormalizedEvent.ReceivedAtMs, result.Event.TimeMs);
        Assert.False(result.Has("disposition"));
    }

    [Fact]
    public void Object_that_is_not_a_file_is_no_file_but_stays_unmapped()
    {
        const string raw = """
            {"alert_type":"uba","alert_name":"Bulk Delete","user":"a@contoso.example","object":"Finance Q1","object_type":"Folder"}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.False(result.Has("file"));
        Assert.Equal("Finance Q1", result.Text("unmapped.object"));
    }

    [Fact]
    public void Alert_without_id_gets_a_stable_hash_id()
    {
        const string raw = """{"alert_type":"uba","alert_name":"Bulk Delete","user":"a@contoso.example","timestamp":1767350000}""";
        const string other = """{"alert_type":"uba","alert_name":"Bulk Delete","user":"a@contoso.example","timestamp":1767350001}""";

        var first = NormalizedEvent.From(Normalizer, raw).Event.EventId;

        Assert.Matches("^sha256:[0-9a-f]{64}$", first);
        Assert.Equal(first, NormalizedEvent.From(Normalizer, raw).Event.EventId);
        Assert.NotEqual(first, NormalizedEvent.From(Normalizer, other).Event.EventId);
    }

    [Fact]
    public void Alert_without_a_user_is_rejected_naming_the_fields()
    {
        const string raw = """{"_id":"ab12","alert_type":"malsite","alert_name":"Malicious site","user":"unknown"}""";

        Assert.Equal("no user: expected one of user, userkey, ur_normalized", NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Theory]
    [InlineData("""{"_id":"ab12","type":"connection","user":"a@contoso.example"}""")]
    [InlineData("""{"_id":"ab12","user":"a@contoso.example","app":"Dropbox"}""")]
    [InlineData("""{"_id":"ab12","type":42,"user":"a@contoso.example"}""")]
    public void Object_that_is_neither_an_alert_nor_a_page_or_application_event_is_rejected(string raw)
    {
        Assert.Equal("not a Netskope alert or event: missing alert_type and alert_name, and type is not page or application",
            NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Page_event_becomes_http_activity_with_the_domain_as_host()
    {
        var result = NormalizedEvent.From(Normalizer, PhishingPageAllowed);

        Assert.Equal(4002, result.Number("class_uid"));
        Assert.Equal(4, result.Number("category_uid"));
        Assert.Equal(0, result.Number("activity_id"));
        Assert.Equal(400200, result.Number("type_uid"));
        Assert.Equal("page", result.Text("metadata.event_code"));
        Assert.Equal("a9c8e7f6d5b44a3b2c1d0e9f", result.Event.EventId);
        Assert.Equal(1_767_700_000_000, result.Event.TimeMs);
        Assert.Equal("http://contoso-sso.example-login.net/adfs/ls", result.Text("url.url_string"));
        Assert.Equal("contoso-sso.example-login.net", result.Text("url.hostname"));
        Assert.Equal(["Phishing"], result.Texts("url.categories"));
        Assert.Equal("contoso-sso.example-login.net", result.Text("dst_endpoint.hostname"));
        Assert.Equal("198.51.100.66", result.Text("dst_endpoint.ip"));
        Assert.Equal("10.12.3.9", result.Text("src_endpoint.ip"));
        Assert.StartsWith("Mozilla/5.0", result.Text("http_request.user_agent"));
        Assert.Equal("Allowed", result.Text("disposition"));
        Assert.Equal(1, result.Number("severity_id"));
        Assert.False(result.Has("finding_info"));
        Assert.False(result.Has("message"));
        Assert.Equal("contoso-sso.example-login.net/adfs/ls", result.Text("unmapped.page"));
    }

    [Fact]
    public void Page_event_without_user_takes_the_email_from_userkey()
    {
        var result = NormalizedEvent.From(Normalizer, PhishingPageAllowed);

        Assert.Equal("R.Costa@Contoso.example", result.Text("actor.user.email_addr"));
        Assert.Equal("r.costa@contoso.example", result.Event.UserKey);
    }

    [Fact]
    public void Page_event_without_any_user_is_rejected()
    {
        const string raw = """{"type":"page","url":"www.example.org/","domain":"www.example.org","timestamp":1767700000}""";

        Assert.Equal("no user: expected one of user, userkey, ur_normalized", NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Application_event_becomes_web_resources_activity_on_the_object()
    {
        var result = NormalizedEvent.From(Normalizer, ApplicationUpload);

        Assert.Equal(6001, result.Number("class_uid"));
        Assert.Equal(6, result.Number("category_uid"));
        Assert.Equal(6, result.Number("activity_id"));
        Assert.Equal(600106, result.Number("type_uid"));
        Assert.Equal("application", result.Text("metadata.event_code"));
        Assert.Equal(1_767_700_600_000, result.Event.TimeMs);
        Assert.Equal("customer-list.csv", result.Text("web_resources.0.name"));
        Assert.Equal("File", result.Text("web_resources.0.type"));
        Assert.Equal("id:7f3kQ", result.Text("web_resources.0.uid"));
        Assert.Equal("customer-list.csv", result.Text("file.name"));
        Assert.Equal("/Personal/customer-list.csv", result.Text("file.path"));
        Assert.Equal("0cc175b9c0f1b6a831c399e269772661", result.Text("file.hashes.0.value"));
        Assert.Equal(["Cloud Storage"], result.Texts("url.categories"));
        Assert.Equal("Allowed", result.Text("disposition"));
        Assert.Equal("Sam.Taylor@Contoso.example", result.Text("actor.user.email_addr"));
        Assert.Equal("Dropbox", result.Text("unmapped.app"));
        Assert.Equal("personal", result.Text("unmapped.instance_id"));
        Assert.Equal("Upload", result.Text("unmapped.activity"));
        Assert.Equal("Allow sanctioned storage", result.Text("unmapped.policy"));
        Assert.False(result.Has("unmapped.object"));
    }

    [Theory]
    [InlineData("Create", 1)]
    [InlineData("View", 2)]
    [InlineData("Edit", 3)]
    [InlineData("Delete", 4)]
    [InlineData("Upload", 6)]
    [InlineData("download", 7)]
    [InlineData("Share", 8)]
    [InlineData("Login Successful", 99)]
    [InlineData("Post", 99)]
    public void Application_activities_map_to_web_resources_activity_ids(string activity, int activityId)
    {
        var raw = $$"""{"type":"application","user":"a@contoso.example","app":"Box","activity":"{{activity}}","object":"a.pdf","object_type":"File"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(activityId, result.Number("activity_id"));
        Assert.Equal(600100 + activityId, result.Number("type_uid"));
    }

    [Fact]
    public void Application_event_without_an_object_names_the_app_instance_as_the_resource()
    {
        const string raw = """
            {"type":"application","user":"a@contoso.example","app":"Slack","instance_id":"contoso","activity":"Login Successful"}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal("contoso", result.Text("web_resources.0.name"));
        Assert.Equal("Application", result.Text("web_resources.0.type"));
        Assert.Equal("Login Successful", result.Text("unmapped.activity"));
    }

    [Fact]
    public void Application_event_without_activity_instance_or_time_is_unknown_activity_on_the_app_at_arrival()
    {
        const string raw = """{"type":"application","user":"svc-sync","app":"OneDrive for Business"}""";

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(0, result.Number("activity_id"));
        Assert.Equal("OneDrive for Business", result.Text("web_resources.0.name"));
        Assert.Equal("svc-sync", result.Text("actor.user.name"));
        Assert.False(result.Has("actor.user.email_addr"));
        Assert.Equal("svc-sync", result.Event.UserKey);
        Assert.Equal(NormalizedEvent.ReceivedAtMs, result.Event.TimeMs);
        Assert.Equal(1, result.Number("severity_id"));
    }

    [Fact]
    public void Alert_fields_decide_over_the_event_type()
    {
        const string raw = """{"alert_type":"policy","alert_name":"Risky page","type":"page","user":"a@contoso.example"}""";

        Assert.Equal(2004, NormalizedEvent.From(Normalizer, raw).Number("class_uid"));
    }

    [Fact]
    public void Value_that_is_not_an_object_is_rejected()
    {
        Assert.Equal("expected a JSON object", NormalizedEvent.Rejection(Normalizer, "42"));
    }
}
