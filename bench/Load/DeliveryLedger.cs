using System.Diagnostics;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>What a webhook delivery was, for the ledger.</summary>
public enum DeliveryKind
{
    /// <summary>The first delivery of an event that was sent.</summary>
    First,

    /// <summary>Another delivery of an event already delivered.</summary>
    Duplicate,

    /// <summary>An event this run never sent, or one whose request failed.</summary>
    Unexpected,
}

/// <summary>
/// Every event's send time by sequence number, and whether its coaching arrived. Lock-free: the sender stamps a slot
/// before the request goes out, the webhook swaps it for "delivered" when the coaching comes in. Slots live in
/// chunks allocated on first use, so a run costs memory for the events it sends and nothing more.
/// </summary>
public sealed class DeliveryLedger
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << 14;
    private const long Delivered = -1;
    private const long Failed = -2;

    private readonly long[]?[] _chunks = new long[]?[MaxChunks];
    private readonly long _limit;
    private long _reserved;
    private long _delivered;

    public DeliveryLedger(long? maxEvents) => _limit = Math.Min(maxEvents ?? long.MaxValue, (long)MaxChunks * ChunkSize);

    /// <summary>Events reserved (sent or about to be).</summary>
    public long Reserved => Math.Min(Volatile.Read(ref _reserved), _limit);

    /// <summary>Events whose first delivery arrived.</summary>
    public long DeliveredCount => Volatile.Read(ref _delivered);

    /// <summary>Reserves up to <paramref name="count"/> sequence numbers; 0 when the bound is reached.</summary>
    public int Reserve(int count, out long first)
    {
        first = Interlocked.Add(ref _reserved, count) - count;
        return (int)Math.Clamp(_limit - first, 0, count);
    }

    /// <summary>Records the time an event was sent (a Stopwatch timestamp) and whether it is in the measured window.</summary>
    public void Stamp(long seq, long sentAt, bool measured) => Volatile.Write(ref Slot(seq), (sentAt << 1) | (measured ? 1L : 0L));

    /// <summary>The event was not accepted: its coaching is not expected.</summary>
    public void Fail(long seq) => Volatile.Write(ref Slot(seq), Failed);

    public DeliveryKind Deliver(long seq, out long sentAt, out bool measured)
    {
        sentAt = 0;
        measured = false;
        if (seq < 0 || seq >= Reserved)
        {
            return DeliveryKind.Unexpected;
        }

        var previous = Interlocked.Exchange(ref Slot(seq), Delivered);
        switch (previous)
        {
            case Delivered:
                return DeliveryKind.Duplicate;
            case Failed or 0:
                Volatile.Write(ref Slot(seq), previous);
                return DeliveryKind.Unexpected;
            default:
                sentAt = previous >> 1;
                measured = (previous & 1) == 1;
                Interlocked.Increment(ref _delivered);
                return DeliveryKind.First;
        }
    }

    public static double MillisecondsSince(long timestamp, long now) =>
        (now - timestamp) * 1000.0 / Stopwatch.Frequency;

    /// <summary>A span in <see cref="Stopwatch"/> ticks, to add to a timestamp.</summary>
    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private ref long Slot(long seq)
    {
        var index = (int)(seq >> ChunkBits);
        var chunk = Volatile.Read(ref _chunks[index]);
        if (chunk is null)
        {
            Interlocked.CompareExchange(ref _chunks[index], new long[ChunkSize], null);
            chunk = _chunks[index]!;
        }

        return ref chunk[seq & (ChunkSize - 1)];
    }
}
