using System.Text.Json;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

public sealed class CrowdStrikeNormalizerTests
{
    // Event Streams, the newer endpoint detection: a blocked process on a domain-joined laptop.
    internal const string EppPrevention = """
        {"metadata":{"customerIDString":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b","offset":48213,
          "eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800123,"version":"1.0"},
         "event":{"ProcessStartTime":1767268795,"ProcessEndTime":1767268796,"ProcessId":81234567890,
          "ParentProcessId":81234560001,"Hostname":"LT-ROSSI-01","UserName":"ACME\\m.rossi","LogonDomain":"ACME",
          "Name":"Known Malware","Description":"A process launched a file classified as malware by its SHA256 hash.",
          "Severity":70,"SeverityName":"High","FileName":"invoice_0412.exe",
          "FilePath":"\\Device\\HarddiskVolume3\\Users\\m.rossi\\Downloads\\invoice_0412.exe",
          "CommandLine":"\"C:\\Users\\m.rossi\\Downloads\\invoice_0412.exe\" /silent",
          "SHA256String":"3b1f0e6c2a9d4e7f8061a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
          "MD5String":"5d41402abc4b2a76b9719d911017c592","SHA1String":"0000000000000000000000000000000000000000",
          "CompositeId":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:ind:2f9d8c7b6a5e4d3c2b1a09f8e7d6c5b4:81234567890-5701-34512",
          "AgentId":"2f9d8c7b6a5e4d3c2b1a09f8e7d6c5b4","LocalIP":"10.20.30.41","MACAddress":"3c-52-82-aa-10-01",
          "Tactic":"Malware","Technique":"Malicious File","Objective":"Falcon Detection Method",
          "PatternDispositionDescription":"Prevention, process was blocked from execution.",
          "PatternDispositionValue":2048,
          "PatternDispositionFlags":{"Indicator":false,"Detect":false,"KillProcess":false,"QuarantineFile":false,
            "PolicyDisabled":false,"OperationBlocked":false,"ProcessBlocked":true,"KillActionFailed":false},
          "ParentImageFileName":"OUTLOOK.EXE","PatternId":5701,
          "FalconHostLink":"https://falcon.eu-1.crowdstrike.com/activity-v2/detections/7c1e4b2a:ind:2f9d8c7b:81234567890-5701-34512"}}
        """;

    // A detection whose prevention policy is off: the flags say what would have happened, not what did.
    internal const string EppPolicyDisabled = """
        {"metadata":{"customerIDString":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b","offset":48377,
          "eventType":"EppDetectionSummaryEvent","eventCreationTime":1767272400000,"version":"1.0"},
         "event":{"Hostname":"build-07","UserName":"svc_build","LogonDomain":"","Name":"Suspicious Activity",
          "Description":"A process triggered a medium severity custom rule.","Severity":30,"SeverityName":"Low",
          "FileName":"curl","FilePath":"/usr/bin/curl",
          "SHA256String":"0000000000000000000000000000000000000000000000000000000000000000",
          "MD5String":"00000000000000000000000000000000",
          "CompositeId":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:ind:91ab00cd11ef22ab33cd44ef55ab66cd:77123-41002-9001",
          "Tactic":"Custom Intelligence","Technique":"Indicator of Attack",
          "PatternDispositionDescription":"Detection, process would have been killed if related prevention policy setting was enabled.",
          "PatternDispositionFlags":{"KillProcess":true,"PolicyDisabled":true,"ProcessBlocked":false}}}
        """;

    // The older Event Streams detection: DetectId, ComputerName, 1–5 severity, a UPN as the user name.
    internal const string LegacyDetection = """
        {"metadata":{"customerIDString":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b","offset":1203,
          "eventType":"DetectionSummaryEvent","eventCreationTime":1767276000000,"version":"1.0"},
         "event":{"ComputerName":"WS-FINANCE-12","UserName":"Jane.Doe@Acme-Corp.example","MachineDomain":"CORP",
          "DetectName":"NGAV","DetectDescription":"This file is classified as Adware/PUP based on its SHA256 hash.",
          "Severity":4,"SeverityName":"High","FileName":"setup_free_pdf.exe",
          "FilePath":"\\Device\\HarddiskVolume2\\Users\\jane.doe\\Downloads",
          "DetectId":"ldt:0a1b2c3d4e5f60718293a4b5c6d7e8f9:9182736455","LocalIP":"10.1.4.22",
          "Tactic":"Malware","Technique":"PUP",
          "PatternDispositionDescription":"Prevention/Quarantine, process was blocked from execution and quarantine was attempted."}}
        """;

    // Alerts API, an endpoint alert: flat snake_case, ISO time stamps with 3 and 9 fractional digits.
    internal const string EndpointAlert = """
        {"composite_id":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:ind:5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b:44120998877-5761-1200",
         "id":"ind:5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b:44120998877-5761-1200","cid":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b",
         "agent_id":"5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b","product":"epp","type":"ldt","status":"new",
         "timestamp":"2026-01-02T09:15:42.328Z","created_timestamp":"2026-01-02T09:16:05.120334871Z",
         "name":"PrewittPupAdwareSensorDetect-Lowest","display_name":"Adware or PUP detected",
         "description":"This file meets the Adware/PUP Anti-malware ML algorithm's lowest-confidence threshold.",
         "severity":50,"severity_name":"Medium","confidence":10,
         "tactic":"Machine Learning","tactic_id":"CSTA0004","technique":"Adware/PUP","technique_id":"CST0000",
         "user_name":"p.nowak","user_id":"S-1-5-21-3623811015-3361044348-30300820-1013","logon_domain":"ACME",
         "device":{"device_id":"5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b","hostname":"LT-NOWAK-02","local_ip":"10.20.31.7",
           "external_ip":"203.0.113.45","platform_name":"Windows","os_version":"Windows 11"},
         "filename":"toolbar_installer.exe","filepath":"C:\\Users\\p.nowak\\AppData\\Local\\Temp\\toolbar_installer.exe",
         "sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
         "md5":"098f6bcd4621d373cade4e832627b4f6","sha1":"0000000000000000000000000000000000000000",
         "cmdline":"\"C:\\Users\\p.nowak\\AppData\\Local\\Temp\\toolbar_installer.exe\"",
         "pattern_disposition":2176,
         "pattern_disposition_description":"Prevention/Quarantine, process was blocked from execution and quarantine was attempted.",
         "pattern_disposition_details":{"process_blocked":true,"quarantine_file":true,"policy_disabled":false,
           "kill_process":false},
         "quarantined_files":[{"filename":"toolbar_installer.exe","state":"quarantined"}],
         "tenant_id":"some-other-tenant"}
        """;

    // Alerts API, an identity-protection alert: the account's UPN is the e-mail, the time has an offset.
    internal const string IdentityAlert = """
        {"composite_id":"7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:ind:7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:1B0C9D8E-7F6A-4B5C-9D8E-7F6A5B4C3D2E",
         "product":"idp","type":"idp-user-endpoint-app-info","name":"IdpPolicyIdentityVerificationDenied",
         "display_name":"Identity verification denied","description":"A user denied a policy identity verification request",
         "timestamp":"2026-01-02T11:15:42+02:00","severity":79,"severity_name":"High",
         "tactic":"Credential Access","tactic_id":"TA0006","technique":"Brute Force","technique_id":"T1110",
         "user_name":"li.wei","source_account_upn":"Li.Wei@Example-Corp.com","source_account_domain":"CORP.EXAMPLE-CORP.COM",
         "source_account_sam_account_name":"li.wei","source_endpoint_host_name":"LAPTOP-LW-7731.corp.example-corp.com",
         "source_endpoint_address_ip4":"198.51.100.23","location_country_code":"PT",
         "model_anomaly_indicators":["ACCOUNT_IMPOSSIBLE_VELOCITY","ENVIRONMENT_UNUSUAL_IP"]}
        """;

    private static readonly CrowdStrikeNormalizer Normalizer = new();

    [Fact]
    public void Epp_detection_becomes_a_detection_finding_with_the_composite_id()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        Assert.Equal(2004, result.Number("class_uid"));
        Assert.Equal(2, result.Number("category_uid"));
        Assert.Equal(1, result.Number("activity_id"));
        Assert.Equal(200401, result.Number("type_uid"));
        var compositeId = "7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:ind:2f9d8c7b6a5e4d3c2b1a09f8e7d6c5b4:81234567890-5701-34512";
        Assert.Equal(compositeId, result.Event.EventId);
        Assert.Equal(compositeId, result.Text("metadata.uid"));
        Assert.Equal(compositeId, result.Text("finding_info.uid"));
        Assert.Equal("1.3.0", result.Text("metadata.version"));
        Assert.Equal("Falcon", result.Text("metadata.product.name"));
        Assert.Equal("CrowdStrike", result.Text("metadata.product.vendor_name"));
        Assert.Equal("EPPDetectionSummaryEvent", result.Text("metadata.event_code"));
        Assert.Equal("crowdstrike", result.Event.Vendor);
    }

    [Fact]
    public void Epp_detection_time_is_the_event_creation_time_in_milliseconds()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        Assert.Equal(1_767_268_800_123, result.Number("time"));
        Assert.Equal(1_767_268_800_123, result.Event.TimeMs);
        Assert.False(result.Has("metadata.original_time"));
    }

    [Fact]
    public void Epp_detection_maps_user_device_file_and_finding()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        Assert.Equal(@"ACME\m.rossi", result.Text("actor.user.name"));
        Assert.Equal("ACME", result.Text("actor.user.domain"));
        Assert.False(result.Has("actor.user.email_addr"));
        Assert.Equal("LT-ROSSI-01", result.Text("device.hostname"));
        Assert.Equal("10.20.30.41", result.Text("device.ip"));
        Assert.Equal("invoice_0412.exe", result.Text("file.name"));
        Assert.Equal(@"\Device\HarddiskVolume3\Users\m.rossi\Downloads\invoice_0412.exe", result.Text("file.path"));
        Assert.Equal(3, result.Number("file.hashes.0.algorithm_id"));
        Assert.Equal("SHA-256", result.Text("file.hashes.0.algorithm"));
        Assert.Equal("3b1f0e6c2a9d4e7f8061a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70", result.Text("file.hashes.0.value"));
        Assert.Equal(1, result.Number("file.hashes.1.algorithm_id"));
        Assert.Equal("5d41402abc4b2a76b9719d911017c592", result.Text("file.hashes.1.value"));
        Assert.Equal("Known Malware", result.Text("finding_info.title"));
        Assert.Equal(["Malware", "Malicious File"], result.Texts("finding_info.types"));
        Assert.StartsWith("A process launched a file", result.Text("finding_info.desc"));
        Assert.Equal(result.Text("finding_info.desc"), result.Text("message"));
        Assert.Equal(4, result.Number("severity_id"));
        Assert.Equal("High", result.Text("severity"));
    }

    [Fact]
    public void Domain_user_name_is_kept_whole_and_lower_cased_as_user_key()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        Assert.Equal(@"acme\m.rossi", result.Event.UserKey);
        Assert.Equal(@"acme\m.rossi", result.Text("user_key"));
    }

    [Fact]
    public void Process_blocked_flag_is_blocked_and_denied()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        Assert.Equal("Blocked", result.Text("disposition"));
        Assert.Equal(2, result.Number("disposition_id"));
        Assert.Equal("Denied", result.Text("action"));
        Assert.Equal(2, result.Number("action_id"));
    }

    [Fact]
    public void Prevention_flags_with_policy_disabled_are_only_a_detection()
    {
        var result = NormalizedEvent.From(Normalizer, EppPolicyDisabled);

        Assert.Equal("Detected", result.Text("disposition"));
        Assert.Equal(15, result.Number("disposition_id"));
        Assert.False(result.Has("action_id"));
    }

    [Fact]
    public void Event_type_is_matched_whatever_its_case()
    {
        var result = NormalizedEvent.From(Normalizer, EppPolicyDisabled);

        Assert.Equal("EppDetectionSummaryEvent", result.Text("metadata.event_code"));
        Assert.Equal(2, result.Number("severity_id"));
    }

    [Fact]
    public void Empty_domain_and_all_zero_hashes_are_left_out()
    {
        var result = NormalizedEvent.From(Normalizer, EppPolicyDisabled);

        Assert.False(result.Has("actor.user.domain"));
        Assert.False(result.Has("file.hashes"));
        Assert.Equal("curl", result.Text("file.name"));
    }

    [Fact]
    public void Unmapped_keeps_the_fields_that_were_not_mapped_under_their_own_names()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        Assert.Equal(@"""C:\Users\m.rossi\Downloads\invoice_0412.exe"" /silent", result.Text("unmapped.CommandLine"));
        Assert.Equal(2048, result.Number("unmapped.PatternDispositionValue"));
        Assert.Equal("Prevention, process was blocked from execution.", result.Text("unmapped.PatternDispositionDescription"));
        Assert.False(result.Has("unmapped.UserName"));
        Assert.False(result.Has("unmapped.CompositeId"));
        Assert.False(result.Has("unmapped.PatternDispositionFlags"));
    }

    [Fact]
    public void Raw_data_is_the_raw_event_text()
    {
        var result = NormalizedEvent.From(Normalizer, EppPrevention);

        using var original = JsonDocument.Parse(EppPrevention);
        using var carried = JsonDocument.Parse(result.Text("raw_data")!);
        Assert.True(JsonElement.DeepEquals(original.RootElement, carried.RootElement));
    }

    [Fact]
    public void Legacy_detection_maps_detect_id_computer_name_and_one_to_five_severity()
    {
        var result = NormalizedEvent.From(Normalizer, LegacyDetection);

        Assert.Equal("ldt:0a1b2c3d4e5f60718293a4b5c6d7e8f9:9182736455", result.Event.EventId);
        Assert.Equal("WS-FINANCE-12", result.Text("device.hostname"));
        Assert.Equal("NGAV", result.Text("finding_info.title"));
        Assert.Equal(4, result.Number("severity_id"));
        Assert.Equal(["Malware", "PUP"], result.Texts("finding_info.types"));
    }

    [Fact]
    public void User_name_with_an_at_sign_is_the_email_and_the_lower_cased_key()
    {
        var result = NormalizedEvent.From(Normalizer, LegacyDetection);

        Assert.Equal("Jane.Doe@Acme-Corp.example", result.Text("actor.user.email_addr"));
        Assert.Equal("jane.doe@acme-corp.example", result.Event.UserKey);
    }

    [Fact]
    public void Without_flags_the_disposition_description_decides()
    {
        var result = NormalizedEvent.From(Normalizer, LegacyDetection);

        Assert.Equal("Quarantined", result.Text("disposition"));
        Assert.Equal(3, result.Number("disposition_id"));
        Assert.Equal(2, result.Number("action_id"));
    }

    [Theory]
    [InlineData("Prevention, process was blocked from execution.", "Blocked")]
    [InlineData("Detection, process would have been blocked if related prevention policy setting was enabled.", "Detected")]
    [InlineData("Detection, standard detection.", "Detected")]
    [InlineData("Prevention, process killed.", "Blocked")]
    public void Disposition_description_wording_gives_the_disposition(string description, string disposition)
    {
        var raw = $$$"""
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800000},
             "event":{"UserName":"m.rossi","CompositeId":"cid:ind:agent:1-2-3","PatternDispositionDescription":"{{{description}}}"}}
            """;

        Assert.Equal(disposition, NormalizedEvent.From(Normalizer, raw).Text("disposition"));
    }

    [Fact]
    public void Severity_name_decides_when_there_is_no_number()
    {
        const string raw = """
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800000},
             "event":{"UserName":"m.rossi","CompositeId":"cid:ind:agent:4-5-6","SeverityName":"Critical"}}
            """;

        Assert.Equal(5, NormalizedEvent.From(Normalizer, raw).Number("severity_id"));
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(30, 2)]
    [InlineData(50, 3)]
    [InlineData(70, 4)]
    [InlineData(90, 5)]
    public void Falcon_severity_scale_maps_to_ocsf_severity(int severity, int severityId)
    {
        var raw = $$$"""
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800000},
             "event":{"UserName":"m.rossi","CompositeId":"cid:ind:agent:7-8-9","Severity":{{{severity}}}}}
            """;

        Assert.Equal(severityId, NormalizedEvent.From(Normalizer, raw).Number("severity_id"));
    }

    [Fact]
    public void Endpoint_alert_reads_the_iso_timestamp_and_keeps_its_text()
    {
        var result = NormalizedEvent.From(Normalizer, EndpointAlert);

        Assert.Equal(1_767_345_342_328, result.Event.TimeMs);
        Assert.Equal("2026-01-02T09:15:42.328Z", result.Text("metadata.original_time"));
        Assert.Equal("ldt", result.Text("metadata.event_code"));
    }

    [Fact]
    public void Endpoint_alert_maps_user_device_file_and_quarantine()
    {
        var result = NormalizedEvent.From(Normalizer, EndpointAlert);

        Assert.Equal("7c1e4b2a90d34f5e8a6b0c1d2e3f4a5b:ind:5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b:44120998877-5761-1200",
            result.Event.EventId);
        Assert.Equal("p.nowak", result.Event.UserKey);
        Assert.Equal("p.nowak", result.Text("actor.user.name"));
        Assert.Equal("S-1-5-21-3623811015-3361044348-30300820-1013", result.Text("actor.user.uid"));
        Assert.Equal("ACME", result.Text("actor.user.domain"));
        Assert.Equal("LT-NOWAK-02", result.Text("device.hostname"));
        Assert.Equal("10.20.31.7", result.Text("device.ip"));
        Assert.Equal("toolbar_installer.exe", result.Text("file.name"));
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", result.Text("file.hashes.0.value"));
        Assert.Equal("Quarantined", result.Text("disposition"));
        Assert.Equal(3, result.Number("disposition_id"));
        Assert.Equal("Adware or PUP detected", result.Text("finding_info.title"));
        Assert.Equal(3, result.Number("severity_id"));
        Assert.Equal("203.0.113.45", result.Text("unmapped.device.external_ip"));
    }

    [Fact]
    public void Tenant_claimed_by_the_body_is_ignored()
    {
        var result = NormalizedEvent.From(Normalizer, EndpointAlert);

        Assert.Equal(NormalizedEvent.TenantId, result.Text("tenant_id"));
        Assert.Equal(NormalizedEvent.TenantId, result.Event.TenantId);
        Assert.Equal("some-other-tenant", result.Text("unmapped.tenant_id"));
    }

    [Fact]
    public void Identity_alert_coaches_the_account_upn()
    {
        var result = NormalizedEvent.From(Normalizer, IdentityAlert);

        Assert.Equal("li.wei@example-corp.com", result.Event.UserKey);
        Assert.Equal("Li.Wei@Example-Corp.com", result.Text("actor.user.email_addr"));
        Assert.Equal("li.wei", result.Text("actor.user.name"));
        Assert.Equal("CORP.EXAMPLE-CORP.COM", result.Text("actor.user.domain"));
        Assert.Equal("LAPTOP-LW-7731.corp.example-corp.com", result.Text("src_endpoint.hostname"));
        Assert.Equal("198.51.100.23", result.Text("src_endpoint.ip"));
        Assert.Equal(4, result.Number("severity_id"));
        Assert.Equal("Detected", result.Text("disposition"));
        Assert.Equal(["ACCOUNT_IMPOSSIBLE_VELOCITY", "ENVIRONMENT_UNUSUAL_IP"], result.Texts("unmapped.model_anomaly_indicators"));
    }

    [Fact]
    public void Identity_alert_time_with_an_offset_is_converted_to_utc()
    {
        var result = NormalizedEvent.From(Normalizer, IdentityAlert);

        Assert.Equal(1_767_345_342_000, result.Event.TimeMs);
        Assert.Equal("2026-01-02T11:15:42+02:00", result.Text("metadata.original_time"));
    }

    [Fact]
    public void Alert_without_timestamp_uses_created_timestamp_with_nine_fraction_digits()
    {
        const string raw = """
            {"composite_id":"cid:ind:agent:100-200-300","user_name":"p.nowak",
             "created_timestamp":"2026-01-02T09:16:05.120334871Z"}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);

        Assert.Equal(1_767_345_365_120, result.Event.TimeMs);
        Assert.Equal("2026-01-02T09:16:05.120334871Z", result.Text("metadata.original_time"));
    }

    [Fact]
    public void Detection_without_a_time_gets_the_arrival_time()
    {
        const string raw = """
            {"metadata":{"eventType":"EPPDetectionSummaryEvent"},"event":{"UserName":"m.rossi"}}
            """;

        Assert.Equal(NormalizedEvent.ReceivedAtMs, NormalizedEvent.From(Normalizer, raw).Event.TimeMs);
    }

    [Fact]
    public void Detection_without_a_user_is_keyed_by_its_host()
    {
        const string raw = """
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800000},
             "event":{"Hostname":"FS-02","LocalIP":"10.0.0.7","Name":"OnDemandScanFileTest","Severity":70,"CompositeId":"cid:ods:agent:77"}}
            """;

        var result = NormalizedEvent.From(Normalizer, raw);
        Assert.Equal(("fs-02", IdentityKind.Host), (result.Event.UserKey, result.Event.IdentityKind));
        Assert.False(result.Has("actor"));
    }

    [Fact]
    public void Detection_without_a_user_or_a_device_is_rejected_naming_the_fields()
    {
        const string raw = """
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800000},
             "event":{"Name":"OnDemandScanFileTest","Severity":70,"CompositeId":"cid:ods:agent:77"}}
            """;

        Assert.Equal("no user and no device: expected one of event.UserName, event.Hostname, event.ComputerName, event.LocalIP",
            NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Alert_without_a_user_is_keyed_by_its_device_ip_when_it_has_no_host_name()
    {
        var result = NormalizedEvent.From(Normalizer, """{"composite_id":"cid:ind:agent:1","device":{"local_ip":"10.0.0.7"}}""");
        Assert.Equal(("10.0.0.7", IdentityKind.Ip), (result.Event.UserKey, result.Event.IdentityKind));
    }

    [Fact]
    public void Alert_without_a_user_or_a_device_is_rejected_naming_the_fields()
    {
        const string raw = """{"composite_id":"cid:ind:agent:1","device":{}}""";

        Assert.Equal("no user and no device: expected one of source_account_upn, user_name, source_account_sam_account_name, device.hostname, device.local_ip",
            NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Other_event_stream_types_are_rejected_by_name()
    {
        const string raw = """
            {"metadata":{"eventType":"AuthActivityAuditEvent","eventCreationTime":1767268800000},
             "event":{"UserId":"admin@acme.example","OperationName":"userAuthenticate"}}
            """;

        Assert.Equal("unsupported CrowdStrike eventType 'AuthActivityAuditEvent'", NormalizedEvent.Rejection(Normalizer, raw));
    }

    [Fact]
    public void Object_of_another_shape_is_rejected()
    {
        Assert.StartsWith("not a CrowdStrike detection or alert", NormalizedEvent.Rejection(Normalizer, """{"hello":"world"}"""));
    }

    [Fact]
    public void Value_that_is_not_an_object_is_rejected()
    {
        Assert.Equal("expected a JSON object", NormalizedEvent.Rejection(Normalizer, "[1,2]"));
    }

    [Fact]
    public void Detection_without_an_id_gets_a_stable_hash_id()
    {
        const string raw = """
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800000},
             "event":{"UserName":"m.rossi","Name":"NGAV"}}
            """;
        const string other = """
            {"metadata":{"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767268800001},
             "event":{"UserName":"m.rossi","Name":"NGAV"}}
            """;

        var first = NormalizedEvent.From(Normalizer, raw).Event.EventId;

        Assert.Matches("^sha256:[0-9a-f]{64}$", first);
        Assert.Equal(first, NormalizedEvent.From(Normalizer, raw).Event.EventId);
        Assert.NotEqual(first, NormalizedEvent.From(Normalizer, other).Event.EventId);
    }
}
