using System.Numerics;

namespace SecurityCoach.Rules;

/// <summary>
/// A fixed set of UTF-8 strings that answers membership for a span without allocating. Small sets are scanned
/// (cheaper than hashing a short value); larger ones, such as a list of user names, use open addressing.
/// </summary>
internal sealed class Utf8StringSet
{
    private const int ScanLimit = 8;

    private readonly byte[][] _items;
    private readonly int[] _hashes;
    // Slot i holds index + 1 of the item that hashes there, 0 when free; empty when the set is scanned.
    private readonly int[] _slots;
    private readonly int _mask;

    public Utf8StringSet(IEnumerable<byte[]> items)
    {
        var distinct = new List<byte[]>();
        foreach (var item in items)
        {
            if (!distinct.Exists(existing => existing.AsSpan().SequenceEqual(item)))
            {
                distinct.Add(item);
            }
        }

        _items = [.. distinct];
        _hashes = new int[_items.Length];
        _slots = [];
        if (_items.Length <= ScanLimit)
        {
            return;
        }

        // At most half full, so probe runs stay short.
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)_items.Length * 2);
        _slots = new int[capacity];
        _mask = capacity - 1;
        for (var i = 0; i < _items.Length; i++)
        {
            _hashes[i] = Hash(_items[i]);
            var slot = _hashes[i] & _mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = i + 1;
        }
    }

    public bool Contains(ReadOnlySpan<byte> value)
    {
        if (_slots.Length == 0)
        {
            foreach (var item in _items)
            {
                if (value.SequenceEqual(item))
                {
                    return true;
                }
            }

            return false;
        }

        var hash = Hash(value);
        for (var slot = hash & _mask; _slots[slot] != 0; slot = (slot + 1) & _mask)
        {
            var index = _slots[slot] - 1;
            if (_hashes[index] == hash && value.SequenceEqual(_items[index]))
            {
                return true;
            }
        }

        return false;
    }

    private static int Hash(ReadOnlySpan<byte> value)
    {
        var hash = default(HashCode);
        hash.AddBytes(value);
        return hash.ToHashCode();
    }
}
