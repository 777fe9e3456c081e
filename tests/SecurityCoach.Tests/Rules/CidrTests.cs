using System.Net;
using System.Net.Sockets;
using System.Text;
using SecurityCoach.Rules;

namespace SecurityCoach.Tests.Rules;

public sealed class CidrTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.1.2.0/24", "10.1.2.3", true)]
    [InlineData("10.1.2.3/32", "10.1.2.3", true)]
    [InlineData("0.0.0.0/0", "10.1.2.3", true)]
    [InlineData("10.1.2.0/31", "10.1.2.1", true)]
    [InlineData("10.1.2.0/31", "10.1.2.2", false)]
    [InlineData("192.168.0.0/16", "10.1.2.3", false)]
    [InlineData("10.1.3.0/24", "10.1.2.3", false)]
    [InlineData("172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("172.16.0.0/12", "172.32.0.0", false)]
    public void Cidr_matches_IPv4_addresses_inside_the_prefix(string cidr, string ip, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches($$$"""{"src_endpoint":{"ip":[{"cidr":"{{{cidr}}}"}]}}""", $$$"""{"src_endpoint":{"ip":"{{{ip}}}"}}"""));

    [Theory]
    [InlineData("2001:db8::/32", "2001:db8::1:42", true)]
    [InlineData("2001:db8::/32", "2001:0DB8:0000:0000:0000:0000:0001:0042", true)]
    [InlineData("2001:db8:0:0:0:0:1:0/112", "2001:db8::1:42", true)]
    [InlineData("2001:db8::/48", "2001:db9::1", false)]
    [InlineData("::/0", "::1", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("fe80::/10", "febf:ffff::1", true)]
    [InlineData("fe80::/10", "fec0::1", false)]
    [InlineData("::ffff:0:0/96", "::ffff:10.1.2.3", true)]
    public void Cidr_matches_IPv6_addresses_inside_the_prefix(string cidr, string ip, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches($$$"""{"dst_endpoint":{"ip":[{"cidr":"{{{cidr}}}"}]}}""", $$$"""{"dst_endpoint":{"ip":"{{{ip}}}"}}"""));

    [Theory]
    [InlineData("\"evil.example\"")]
    [InlineData("\"\"")]
    [InlineData("\"10.1.2\"")]
    [InlineData("\"10.1.2.3.4\"")]
    [InlineData("\"10.1.2.256\"")]
    [InlineData("\"010.1.2.3\"")]
    [InlineData("\" 10.1.2.3\"")]
    [InlineData("\"10.1.2.3/32\"")]
    [InlineData("\"::ffff:10.1.2.3\"")]
    [InlineData("167838211")]
    [InlineData("null")]
    public void Cidr_does_not_match_non_IPv4_values(string value) =>
        Assert.False(Ocsf.Matches("""{"ip":[{"cidr":"10.0.0.0/8"}]}""", $$"""{"ip":{{value}}}"""));

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("2001:db8::1::2")]
    [InlineData("2001:db8:::1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("2001:db8:1:2:3:4:5:6:7")]
    [InlineData("2001:db8::12345")]
    [InlineData("not-an-ip")]
    public void Cidr_does_not_match_non_IPv6_values(string value) =>
        Assert.False(Ocsf.Matches("""{"ip":[{"cidr":"::/0"}]}""", $$"""{"ip":"{{value}}"}"""));

    [Fact]
    public void Cidr_matches_any_address_of_an_event_array() =>
        Assert.True(Ocsf.Matches("""{"ips":[{"cidr":"192.168.0.0/16"}]}""", """{"ips":["8.8.8.8","192.168.1.20"]}"""));

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("10.1.2.3")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4:5:6:7::")]
    [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("1:2::7:8")]
    [InlineData("2001:DB8::AbCd")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("64:ff9b::192.0.2.33")]
    [InlineData("1:2:3:4:5:6:1.2.3.4")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1::2::3")]
    [InlineData(":1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7:")]
    [InlineData("12345::")]
    [InlineData("::1.2.3")]
    [InlineData("::g")]
    [InlineData("1.2.3.4.")]
    [InlineData("300.1.1.1")]
    [InlineData("")]
    public void Address_parsers_agree_with_IPAddress_on_canonical_text(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var expectedV4 = IPAddress.TryParse(text, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetwork;
        var expectedV6 = parsed?.AddressFamily == AddressFamily.InterNetworkV6;

        Assert.Equal(expectedV4, IpAddressText.TryParseIPv4(utf8, out var v4));
        Assert.Equal(expectedV6, IpAddressText.TryParseIPv6(utf8, out var v6));
        if (expectedV4)
        {
            Assert.Equal(parsed!.GetAddressBytes(), BitConverter.GetBytes(v4).Reverse().ToArray());
        }

        if (expectedV6)
        {
            var bytes = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                bytes[i] = (byte)(v6 >> (8 * (15 - i)));
            }

            Assert.Equal(parsed!.GetAddressBytes(), bytes);
        }
    }
}
