using System.Text;

namespace SecurityCoach.Rules;

/// <summary>
/// <c>{"cidr": "10.0.0.0/8"}</c> or an IPv6 prefix: matches string values holding an address of the same family
/// inside the prefix. An IPv4-mapped IPv6 address does not match an IPv4 prefix.
/// </summary>
internal abstract class CidrMatcher : ValueMatcher
{
    /// <summary>Parses <c>address/length</c>; returns null with <paramref name="problem"/> set when it is not a valid prefix.</summary>
    public static CidrMatcher? TryCreate(string text, out string problem)
    {
        problem = "";
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || text.IndexOf('/', slash + 1) >= 0)
        {
            problem = $"'{text}' must be an address and a prefix length, e.g. \"10.0.0.0/24\"";
            return null;
        }

        var address = Encoding.UTF8.GetBytes(text[..slash]);
        var lengthText = text.AsSpan(slash + 1);
        // Plain digits only: int.TryParse would also take signs and spaces.
        var lengthIsDigits = lengthText.Length is > 0 and <= 3 && !lengthText.ContainsAnyExceptInRange('0', '9');
        var length = lengthIsDigits ? int.Parse(lengthText, provider: null) : -1;
        if (IpAddressText.TryParseIPv4(address, out var v4))
        {
            if (length is < 0 or > 32)
            {
                problem = $"prefix length of '{text}' must be a whole number from 0 to 32";
                return null;
            }

            var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
            if ((v4 & ~mask) != 0)
            {
                problem = HostBitsSet(text);
                return null;
            }

            return new V4(v4, mask);
        }

        if (IpAddressText.TryParseIPv6(address, out var v6))
        {
            if (length is < 0 or > 128)
            {
                problem = $"prefix length of '{text}' must be a whole number from 0 to 128";
                return null;
            }

            var mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
            if ((v6 & ~mask) != UInt128.Zero)
            {
                problem = HostBitsSet(text);
                return null;
            }

            return new V6(v6, mask);
        }

        problem = $"'{text[..slash]}' is not an IPv4 or IPv6 address";
        return null;
    }

    // EventBridge reads 10.0.0.5/24 as the range 10.0.0.5-10.0.0.255; refusing it is clearer than copying that.
    private static string HostBitsSet(string text) =>
        $"'{text}' has bits set beyond its prefix length; give the network address";

    private sealed class V4(uint network, uint mask) : CidrMatcher
    {
        public override bool MatchesString(ReadOnlySpan<byte> utf8) =>
            IpAddressText.TryParseIPv4(utf8, out var address) && (address & mask) == network;
    }

    private sealed class V6(UInt128 network, UInt128 mask) : CidrMatcher
    {
        public override bool MatchesString(ReadOnlySpan<byte> utf8) =>
            IpAddressText.TryParseIPv6(utf8, out var address) && (address & mask) == network;
    }
}
