using Microsoft.Extensions.Options;
using SecurityCoach.Notifications.Outbound;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// The outbound policy as a tenant meets it when a channel is stored: no spelling of a loopback, private, link-local,
/// metadata or reserved address passes, public destinations do, and the operator's allow list opens exactly what it names.
/// </summary>
public sealed class OutboundPolicyTests
{
    private static OutboundPolicy Policy(params string[]? allowed) =>
        new(Options.Create(new OutboundOptions { AllowedNetworks = allowed }), new DnsHostResolver());

    public static TheoryData<string> RefusedByDefault() =>
    [
        // Loopback, in every spelling inet_aton takes, and its names.
        "https://127.0.0.1/", "https://127.1/", "https://127.0.1/", "https://2130706433/", "https://0x7f000001/", "https://0x7f.1/",
        "https://017700000001/", "https://0177.0.0.1/", "https://127.000.000.001/", "https://127.0.0.1./", "https://127.254.1.9:8443/x",
        "https://ops:hunter2@127.0.0.1/", "https://localhost/", "https://LOCALHOST./", "https://app.localhost/",
        "https://[::1]/", "https://[0:0:0:0:0:0:0:1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/",
        "https://0.0.0.0/", "https://0/", "https://[::]/",
        // The cloud metadata and ECS credential endpoints.
        "https://169.254.169.254/latest/meta-data/", "https://169.254.170.2/v2/credentials", "https://[fd00:ec2::254]/latest/meta-data/",
        "https://2852039166/", "https://0xa9fea9fe/", "https://0251.0376.0251.0376/", "https://169.254.43518/", "https://0xa9.0xfe.0xa9.0xfe/",
        "https://[::ffff:169.254.169.254]/", "https://[::ffff:a9fe:a9fe]/", "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:a9fe:a9fe::]/",
        "https://[::169.254.169.254]/", "https://169.254.0.1/", "https://[fe80::1]/", "https://[fe80::1%25eth0]/",
        // Private, shared and reserved networks.
        "https://10.0.0.1/", "https://10.255.255.255/", "https://012.0.0.1/", "https://172.16.0.1/", "https://172.31.255.254/",
        "https://192.168.1.1/", "https://3232235777/", "https://100.64.0.1/", "https://100.127.255.254/", "https://198.18.0.1/",
        "https://192.0.0.1/", "https://192.0.2.1/", "https://203.0.113.9/", "https://224.0.0.1/", "https://239.255.255.250/",
        "https://240.0.0.1/", "https://255.255.255.255/", "https://[fc00::1]/", "https://[fd12:3456::1]/", "https://[ff02::1]/",
        "https://[2001:db8::1]/", "https://[2001::1]/", "https://[::ffff:10.0.0.1]/", "https://[64:ff9b::10.0.0.1]/",
        // Not http(s), not absolute, plain http to a public name.
        "ftp://hooks.example.com/", "file:///etc/passwd", "/relative/hook", "gopher://127.0.0.1:6379/", "http://hooks.example.com/hook",
    ];

    [Theory]
    [MemberData(nameof(RefusedByDefault))]
    public void A_channel_url_to_anything_but_a_public_https_destination_is_refused(string url) =>
        Assert.NotNull(Policy(null).ProblemWith(url));

    [Theory]
    [InlineData("https://hooks.slack.com/services/T000/B000/XXXX")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://93.184.216.34:8443/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    [InlineData("https://[::ffff:8.8.8.8]/hook")]
    [InlineData("https://172.32.0.1/")]
    [InlineData("https://100.128.0.1/")]
    [InlineData("https://11.0.0.1/")]
    [InlineData("https://169.255.0.1/")]
    public void A_public_https_destination_is_accepted(string url) =>
        Assert.Null(Policy(null).ProblemWith(url));

    [Fact]
    public void The_allow_list_opens_the_networks_and_hosts_it_names_over_http_too_and_nothing_else()
    {
        var policy = Policy("10.20.0.0/16", "fd12:3456::/32", "hooks.corp.example", "*.internal.example", "192.168.7.7");

        Assert.Null(policy.ProblemWith("http://10.20.1.2:8080/hook"));
        Assert.Null(policy.ProblemWith("https://[fd12:3456::9]/hook"));
        Assert.Null(policy.ProblemWith("http://hooks.corp.example/hook"));
        Assert.Null(policy.ProblemWith("http://a.b.internal.example/hook"));
        Assert.Null(policy.ProblemWith("https://192.168.7.7/hook"));
        Assert.NotNull(policy.ProblemWith("https://10.21.0.1/hook"));
        Assert.NotNull(policy.ProblemWith("https://192.168.7.8/hook"));
        Assert.NotNull(policy.ProblemWith("http://internal.example/hook"));
        Assert.NotNull(policy.ProblemWith("https://169.254.169.254/"));
        Assert.NotNull(policy.ProblemWith("https://localhost/"));
    }

    [Fact]
    public void None_allows_nothing_but_public_https()
    {
        var policy = Policy(OutboundOptions.None);

        Assert.NotNull(policy.ProblemWith("http://127.0.0.1:5000/hook"));
        Assert.NotNull(policy.ProblemWith("https://localhost/hook"));
        Assert.Null(policy.ProblemWith("https://hooks.slack.com/services/T/B/X"));
    }

    [Fact]
    public void A_network_that_is_not_a_cidr_stops_the_silo_with_the_setting_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Policy("10.20.0.1/16"));

        Assert.Contains("SecurityCoach:Outbound:AllowedNetworks", error.Message, StringComparison.Ordinal);
        Assert.Contains("10.20.0.1/16", error.Message, StringComparison.Ordinal);
    }
}
