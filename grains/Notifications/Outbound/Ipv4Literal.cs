using System.Globalization;
using System.Net;

namespace SecurityCoach.Notifications.Outbound;

/// <summary>
/// IPv4 addresses in every spelling the C library's resolver (<c>inet_aton</c>) takes, which a URL's host may use
/// to hide one: dotted decimal, one to four parts (<c>127.1</c>, <c>127.0.1</c>), each part decimal, octal
/// (<c>0177</c>) or hex (<c>0x7f</c>), the last part filling the remaining bytes (<c>2130706433</c>,
/// <c>0x7f000001</c>). A trailing dot is allowed, as resolvers allow it.
/// </summary>
public static class Ipv4Literal
{
    public static bool TryParse(string host, out IPAddress address)
    {
        address = IPAddress.None;
        var text = host.EndsWith('.') ? host[..^1] : host;
        var parts = text.Split('.');
        if (parts.Length is 0 or > 4)
        {
            return false;
        }

        Span<ulong> values = stackalloc ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryPart(parts[i], out values[i]))
            {
                return false;
            }
        }

        ulong result = 0;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return false;
            }

            result |= values[i] << (8 * (3 - i));
        }

        var last = values[^1];
        var lastBits = 8 * (4 - (parts.Length - 1));
        if (last >= 1UL << lastBits)
        {
            return false;
        }

        result |= last;
        address = new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
        return true;
    }

    private static bool TryPart(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0)
        {
            return false;
        }

        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return (part.Length == 2 || ulong.TryParse(part.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)) && value <= uint.MaxValue;
        }

        if (part.Length > 1 && part[0] == '0')
        {
            foreach (var c in part)
            {
                if (c is < '0' or > '7')
                {
                    return false;
                }

                value = (value * 8) + (ulong)(c - '0');
                if (value > uint.MaxValue)
                {
                    return false;
                }
            }

            return true;
        }

        return ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }
}
