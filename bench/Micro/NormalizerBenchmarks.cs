using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Benchmarks.Micro;

/// <summary>
/// One raw event of each vendor through its normalizer: from the parsed element (the normalizer alone) and from
/// the request bytes (parse + normalize, what ingest pays per event of a one-event request).
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
public class NormalizerBenchmarks
{
    private IEventNormalizer _normalizer = null!;
    private byte[] _raw = [];
    private JsonDocument _document = null!;
    private NormalizationContext _context;

    [Params("crowdstrike", "zscaler", "netskope")]
    public string Vendor { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        if (!EventNormalizers.TryGet(Vendor, out var normalizer))
        {
            throw new InvalidOperationException($"no normalizer for {Vendor}");
        }

        _normalizer = normalizer;
        _raw = Encoding.UTF8.GetBytes(SampleEvents.For(Vendor));
        _document = JsonDocument.Parse(_raw);
        _context = new NormalizationContext("acme", 1767225600000);
        if (!_normalizer.TryNormalize(_document.RootElement, _context, out _, out var error))
        {
            throw new InvalidOperationException($"the {Vendor} sample does not normalize: {error}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _document.Dispose();

    [Benchmark(Baseline = true)]
    public SecurityEvent? Normalize()
    {
        _normalizer.TryNormalize(_document.RootElement, _context, out var normalized, out _);
        return normalized;
    }

    [Benchmark]
    public SecurityEvent? ParseAndNormalize()
    {
        using var document = JsonDocument.Parse(_raw);
        _normalizer.TryNormalize(document.RootElement, _context, out var normalized, out _);
        return normalized;
    }
}
