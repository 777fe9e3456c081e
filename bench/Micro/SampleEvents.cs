namespace SecurityCoach.Benchmarks.Micro;

/// <summary>Raw vendor events as the tools post them (invented values, the fields their documentation lists).</summary>
public static class SampleEvents
{
    public const string CrowdStrike = """
        {"metadata":{"customerIDString":"0123456789abcdef0123456789abcdef","offset":4242,"eventType":"EPPDetectionSummaryEvent","eventCreationTime":1767225600123,"version":"1.0"},
         "event":{"CompositeId":"0123456789abcdef:ind:fedcba9876543210:98765432-1","UserName":"jdoe@acme.example","Hostname":"LAPTOP-17","LogonDomain":"ACME",
                  "LocalIP":"10.1.2.3","Name":"Known Malware","Description":"This file is classified as Adware/PUP based on CrowdStrike Intelligence.",
                  "Severity":70,"SeverityName":"High","Tactic":"Execution","Technique":"User Execution","FileName":"invoice.exe",
                  "FilePath":"\\Device\\HarddiskVolume3\\Users\\jdoe\\Downloads","SHA256String":"5e5f1c3a1b9e2d8f7a6c4b3e2d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
                  "MD5String":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","CommandLine":"\"C:\\Users\\jdoe\\Downloads\\invoice.exe\" /silent",
                  "PatternDispositionDescription":"Prevention, process killed.","PatternDispositionFlags":{"KillProcess":true,"QuarantineFile":true},
                  "ParentImageFileName":"\\Device\\HarddiskVolume3\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
                  "FalconHostLink":"https://falcon.crowdstrike.com/activity/detections/detail/fedcba9876543210/98765432"}}
        """;

    public const string Zscaler = """
        {"sourcetype":"zscalernss-web","event":{"datetime":"Wed Dec 31 07:07:07 2025","time":"Wed Dec 31 07:07:07 2025","epochtime":1767164827,
         "recordid":"7012345678901234567","login":"jdoe@acme.example","dept":"Finance","location":"HQ-Paris","action":"Allowed",
         "urlcat":"Phishing","urlsubcat":"Phishing","urlsupercat":"Security","urlclass":"Security Risk","eurl":"https://login.evil.example/owa/auth.owa?client=1",
         "host":"login.evil.example","reqmethod":"GET","respcode":"200","cip":"10.1.2.3","sip":"203.0.113.9","riskscore":95,"threatseverity":"Critical (90-100)",
         "devicehostname":"LAPTOP-17","ua":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
         "reqsize":512,"respsize":18231,"appname":"General Browsing","appclass":"General Browsing","contenttype":"text/html","malwarecat":"None","ruletype":"None"}}
        """;

    public const string Netskope = """
        {"_id":"a1b2c3d4e5f6a7b8c9d0e1f2","alert":"yes","alert_type":"malware","alert_name":"Malware detected in upload","type":"nspolicy",
         "user":"jdoe@acme.example","userkey":"jdoe@acme.example","ur_normalized":"jdoe@acme.example","timestamp":1767225600,"severity":"high",
         "action":"block","app":"Google Drive","appcategory":"Cloud Storage","category":"Cloud Storage","url":"https://drive.example/file/d/1AbC",
         "hostname":"LAPTOP-17","srcip":"10.1.2.3","dstip":"142.250.74.110","object":"invoice.exe","object_type":"File",
         "md5":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","sha256":"5e5f1c3a1b9e2d8f7a6c4b3e2d1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
         "malware_name":"Trojan.GenericKD","malware_type":"Trojan","os":"Windows 11","browser":"Chrome","site":"Google Drive","policy":"Block malware uploads"}
        """;

    public static string For(string vendor) => vendor switch
    {
        "crowdstrike" => CrowdStrike,
        "zscaler" => Zscaler,
        "netskope" => Netskope,
        _ => throw new ArgumentOutOfRangeException(nameof(vendor), vendor, "no sample for this vendor"),
    };
}
