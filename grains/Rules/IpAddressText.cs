namespace SecurityCoach.Rules;

/// <summary>
/// Parses IP address text straight from UTF-8 into integers. <see cref="System.Net.IPAddress.TryParse(ReadOnlySpan{char}, out System.Net.IPAddress?)"/>
/// would allocate an address object per event value and needs the text as chars; it is also more lenient than an
/// event pattern should be (it reads "10.1" as 10.0.0.1 and "010.0.0.1" as octal). These parsers accept only
/// canonical forms: IPv4 as four decimal octets without leading zeros, IPv6 as RFC 4291 text (hex groups, one
/// optional "::", an optional dotted IPv4 tail) without a zone suffix.
/// </summary>
internal static class IpAddressText
{
    public static bool TryParseIPv4(ReadOnlySpan<byte> text, out uint address)
    {
        address = 0;
        var octets = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var octet = 0;
            while (i < text.Length && i - start < 3 && IsDigit(text[i]))
            {
                octet = (octet * 10) + (text[i] - '0');
                i++;
            }

            var digits = i - start;
            if (digits == 0 || octet > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | (uint)octet;
            if (++octets == 4)
            {
                return i == text.Length;
            }

            if (i == text.Length || text[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    public static bool TryParseIPv6(ReadOnlySpan<byte> text, out UInt128 address)
    {
        address = UInt128.Zero;
        Span<ushort> groups = stackalloc ushort[8];
        var count = 0;
        // Index in groups where "::" stands, or -1.
        var gap = -1;
        var i = 0;
        if (text.StartsWith("::"u8))
        {
            gap = 0;
            i = 2;
        }

        while (i < text.Length)
        {
            if (count == 8)
            {
                return false;
            }

            var start = i;
            var group = 0;
            while (i < text.Length && i - start < 4 && TryHex(text[i], out var nibble))
            {
                group = (group << 4) | nibble;
                i++;
            }

            if (i < text.Length && text[i] == '.')
            {
                // A dotted IPv4 tail fills the last two groups and must end the text.
                if (count > 6 || !TryParseIPv4(text[start..], out var tail))
                {
                    return false;
                }

                groups[count++] = (ushort)(tail >> 16);
                groups[count++] = (ushort)tail;
                break;
            }

            if (i == start)
            {
                return false;
            }

            groups[count++] = (ushort)group;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != ':')
            {
                return false;
            }

            i++;
            if (i < text.Length && text[i] == ':')
            {
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i++;
            }
            else if (i == text.Length)
            {
                return false;
            }
        }

        // "::" must stand for at least one zero group; without it all eight groups must be written.
        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        var zeros = 8 - count;
        for (var g = 0; g < count; g++)
        {
            var position = gap >= 0 && g >= gap ? g + zeros : g;
            address |= (UInt128)groups[g] << (16 * (7 - position));
        }

        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static bool TryHex(byte b, out int value)
    {
        value = b switch
        {
            >= (byte)'0' and <= (byte)'9' => b - '0',
            >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
