using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using SecurityCoach.Benchmarks.Micro;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>One ingest request: a JSON array of one vendor's events for one tenant, events numbered from <see cref="FirstSeq"/>.</summary>
public sealed record IngestBatch(int Tenant, string Vendor, long FirstSeq, int Count, byte[] Body);

/// <summary>
/// Builds ingest requests from the vendor samples. Each event's vendor id ends with its sequence number (decimal), so
/// the webhook that receives its coaching finds the event's send time from the <c>eventId</c> alone. The user of
/// each event is drawn from a Zipf distribution over the tenant's users: a few users cause most events. With
/// <c>--coach-fraction</c> below 1, an event is on the device <see cref="CoachedHost"/> when <see cref="IsCoached(long)"/>
/// says so (a function of the seed and the sequence number) and on <see cref="ScoredOnlyHost"/> otherwise, so a
/// campaign can coach exactly those events by their <c>device.hostname</c>.
/// </summary>
public sealed class EventFactory
{
    /// <summary>The device of coached events: the samples' own hostname, so with every event coached nothing changes.</summary>
    public const string CoachedHost = "LAPTOP-17";

    /// <summary>The device of events no campaign matches (<c>--coach-fraction</c> below 1).</summary>
    public const string ScoredOnlyHost = "LAPTOP-18";

    private readonly Template[] _vendors;
    private readonly double[] _vendorCdf;
    private readonly double[] _userCdf;
    private readonly byte[][] _tenantDomains;
    private readonly int _batchSize;
    private readonly int _seed;
    private readonly double _coachFraction;

    public EventFactory(LoadOptions options, IReadOnlyList<string> tenantIds)
    {
        _vendors = [.. options.VendorMix.Select(m => Template.For(m.Vendor))];
        _vendorCdf = Cdf(options.VendorMix.Select(m => m.Weight).ToArray());
        var usersPerTenant = Math.Max(1, options.UserCount / tenantIds.Count);
        _userCdf = Cdf([.. Enumerable.Range(1, usersPerTenant).Select(rank => 1 / Math.Pow(rank, options.ZipfExponent))]);
        _tenantDomains = [.. tenantIds.Select(t => Encoding.UTF8.GetBytes(Domain(t)))];
        _batchSize = options.BatchSize;
        _seed = options.Seed;
        _coachFraction = options.CoachFraction;
    }

    public int BatchSize => _batchSize;

    /// <summary>Whether event <paramref name="seq"/> is one a campaign coaches: a hash of seed and sequence number below the fraction.</summary>
    public bool IsCoached(long seq) => IsCoached(_seed, seq, _coachFraction);

    /// <inheritdoc cref="IsCoached(long)"/>
    public static bool IsCoached(int seed, long seq, double fraction)
    {
        if (fraction >= 1)
        {
            return true;
        }

        // SplitMix64's finalizer: consecutive sequence numbers give unrelated, evenly spread values.
        var z = unchecked((ulong)seq + ((ulong)(uint)seed << 32) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < fraction;
    }

    /// <summary>The account of the user of Zipf rank <paramref name="rank"/> (1: the busiest) in a tenant, as events name it.</summary>
    public static string UserKey(int rank, string tenantId) => $"user{rank}@{Domain(tenantId)}";

    private static string Domain(string tenantId) => tenantId + ".example";

    /// <summary>A request of <paramref name="count"/> events numbered from <paramref name="firstSeq"/>, tenant and vendor drawn at random.</summary>
    public IngestBatch Next(Random random, long firstSeq, int count)
    {
        var tenant = random.Next(_tenantDomains.Length);
        var template = _vendors[Draw(_vendorCdf, random)];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = new ArrayBufferWriter<byte>(count * (template.Length + 64));
        body.Write("["u8);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                body.Write(","u8);
            }

            template.Write(body, firstSeq + i, 1 + Draw(_userCdf, random), _tenantDomains[tenant], now, IsCoached(firstSeq + i) ? CoachedHostUtf8 : ScoredOnlyHostUtf8);
        }

        body.Write("]"u8);
        return new IngestBatch(tenant, template.Vendor, firstSeq, count, body.WrittenSpan.ToArray());
    }

    /// <summary>The sequence number an event id ends with, or -1 when it does not end with digits.</summary>
    public static long SequenceOf(ReadOnlySpan<byte> eventId)
    {
        var start = eventId.Length;
        while (start > 0 && eventId[start - 1] is >= (byte)'0' and <= (byte)'9')
        {
            start--;
        }

        return start < eventId.Length && Utf8Parser.TryParse(eventId[start..], out long seq, out var consumed) && consumed == eventId.Length - start
            ? seq
            : -1;
    }

    private static ReadOnlySpan<byte> CoachedHostUtf8 => "LAPTOP-17"u8;

    private static ReadOnlySpan<byte> ScoredOnlyHostUtf8 => "LAPTOP-18"u8;

    private static double[] Cdf(double[] weights)
    {
        var cdf = new double[weights.Length];
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            cdf[i] = sum;
        }

        for (var i = 0; i < cdf.Length; i++)
        {
            cdf[i] /= sum;
        }

        return cdf;
    }

    private static int Draw(double[] cdf, Random random)
    {
        var index = Array.BinarySearch(cdf, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cdf.Length - 1);
    }

    private enum Slot
    {
        Id,
        User,
        Millis,
        Seconds,
        Host,
    }

    /// <summary>A vendor sample, minified, cut at the values each event changes.</summary>
    private sealed class Template
    {
        private readonly byte[][] _literals;
        private readonly Slot[] _slots;

        private Template(string vendor, byte[][] literals, Slot[] slots)
        {
            Vendor = vendor;
            _literals = literals;
            _slots = slots;
            Length = literals.Sum(l => l.Length);
        }

        public string Vendor { get; }

        public int Length { get; }

        public static Template For(string vendor) => vendor switch
        {
            "crowdstrike" => Cut(vendor, SampleEvents.CrowdStrike,
                ("98765432-1\"", Slot.Id), ("jdoe@acme.example\"", Slot.User), ("1767225600123", Slot.Millis), ($"\"{CoachedHost}\"", Slot.Host)),
            "zscaler" => Cut(vendor, SampleEvents.Zscaler,
                ("7012345678901234567\"", Slot.Id), ("jdoe@acme.example\"", Slot.User), ("1767164827", Slot.Seconds), ($"\"{CoachedHost}\"", Slot.Host)),
            "netskope" => Cut(vendor, SampleEvents.Netskope,
                ("a1b2c3d4e5f6a7b8c9d0e1f2\"", Slot.Id), ("jdoe@acme.example\"", Slot.User), ("1767225600", Slot.Seconds), ($"\"{CoachedHost}\"", Slot.Host)),
            _ => throw new ArgumentOutOfRangeException(nameof(vendor), vendor, "no template"),
        };

        public void Write(IBufferWriter<byte> output, long seq, int userRank, ReadOnlySpan<byte> domain, long nowMs, ReadOnlySpan<byte> host)
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                output.Write(_literals[i]);
                switch (_slots[i])
                {
                    case Slot.Id:
                        WriteNumber(output, seq);
                        output.Write("\""u8);
                        break;
                    case Slot.User:
                        output.Write("user"u8);
                        WriteNumber(output, userRank);
                        output.Write("@"u8);
                        output.Write(domain);
                        output.Write("\""u8);
                        break;
                    case Slot.Millis:
                        WriteNumber(output, nowMs);
                        break;
                    case Slot.Seconds:
                        WriteNumber(output, nowMs / 1000);
                        break;
                    case Slot.Host:
                        output.Write("\""u8);
                        output.Write(host);
                        output.Write("\""u8);
                        break;
                }
            }

            output.Write(_literals[^1]);
        }

        private static void WriteNumber(IBufferWriter<byte> output, long value)
        {
            var span = output.GetSpan(20);
            Utf8Formatter.TryFormat(value, span, out var written);
            output.Advance(written);
        }

        /// <summary>Splits the minified sample before every occurrence of each marker (a value and its closing quote, if any).</summary>
        private static Template Cut(string vendor, string sample, params (string Marker, Slot Slot)[] markers)
        {
            var text = Minify(sample);
            var cuts = new List<(int At, int Length, Slot Slot)>();
            foreach (var (marker, slot) in markers)
            {
                for (var at = text.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
                {
                    cuts.Add((at, marker.Length, slot));
                }
            }

            cuts.Sort((a, b) => a.At.CompareTo(b.At));
            var literals = new List<byte[]>();
            var position = 0;
            foreach (var (at, length, _) in cuts)
            {
                literals.Add(Encoding.UTF8.GetBytes(text[position..at]));
                position = at + length;
            }

            literals.Add(Encoding.UTF8.GetBytes(text[position..]));
            return new Template(vendor, [.. literals], [.. cuts.Select(c => c.Slot)]);
        }

        private static string Minify(string json)
        {
            using var document = JsonDocument.Parse(json);
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                document.RootElement.WriteTo(writer);
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }
}
