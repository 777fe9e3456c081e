using System.Text;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// A fixed set of property names compared as UTF-8 bytes, so that deciding whether a vendor property goes to
/// <c>unmapped</c> costs no string per property. Names are bucketed by byte length; a bucket holds a handful.
/// </summary>
internal sealed class Utf8NameSet
{
    private readonly byte[][][] _byLength;

    public Utf8NameSet(params ReadOnlySpan<string> names)
    {
        var longest = 0;
        foreach (var name in names)
        {
            longest = Math.Max(longest, Encoding.UTF8.GetByteCount(name));
        }

        var buckets = new List<byte[]>?[longest + 1];
        foreach (var name in names)
        {
            var utf8 = Encoding.UTF8.GetBytes(name);
            (buckets[utf8.Length] ??= []).Add(utf8);
        }

        _byLength = new byte[buckets.Length][][];
        for (var length = 0; length < buckets.Length; length++)
        {
            _byLength[length] = buckets[length]?.ToArray() ?? [];
        }
    }

    public bool Contains(ReadOnlySpan<byte> name)
    {
        if (name.Length >= _byLength.Length)
        {
            return false;
        }

        foreach (var candidate in _byLength[name.Length])
        {
            if (name.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }
}
