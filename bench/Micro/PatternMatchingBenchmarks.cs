using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Rules;

namespace SecurityCoach.Benchmarks.Micro;

/// <summary>
/// One normalized event against a tenant's 1, 50 or 500 campaigns. <see cref="MatchParsed"/> is the matcher
/// alone (divide by Campaigns for the cost of one event×campaign evaluation); <see cref="ParseAndMatch"/> adds the
/// JsonDocument.Parse of the event that UserGrain does once per event.
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
public class PatternMatchingBenchmarks
{
    private EventPattern[] _patterns = [];
    private byte[] _eventJson = [];
    private JsonDocument _event = null!;

    [Params(1, 50, 500)]
    public int Campaigns { get; set; }

    [Params("crowdstrike", "zscaler", "netskope")]
    public string Vendor { get; set; } = "";

    /// <summary>How many of the campaigns match the event (printed by the setup, to show the set is realistic).</summary>
    public int Matching { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _patterns = [.. CampaignPatterns.Library(Campaigns).Select(EventPattern.Parse)];
        EventNormalizers.TryGet(Vendor, out var normalizer);
        using var raw = JsonDocument.Parse(Encoding.UTF8.GetBytes(SampleEvents.For(Vendor)));
        if (normalizer is null || !normalizer.TryNormalize(raw.RootElement, new NormalizationContext("acme", 1767225600000), out var normalized, out var error))
        {
            throw new InvalidOperationException($"the {Vendor} sample does not normalize");
        }

        _eventJson = normalized.Json;
        _event = JsonDocument.Parse(_eventJson);
        Matching = MatchParsed();
        Console.WriteLine($"// {Vendor}: {Matching} of {Campaigns} campaigns match");
    }

    [GlobalCleanup]
    public void Cleanup() => _event.Dispose();

    [Benchmark(Baseline = true)]
    public int MatchParsed() => CountMatches(_event.RootElement);

    [Benchmark]
    public int ParseAndMatch()
    {
        using var document = JsonDocument.Parse(_eventJson);
        return CountMatches(document.RootElement);
    }

    private int CountMatches(JsonElement evt)
    {
        var matched = 0;
        foreach (var pattern in _patterns)
        {
            if (pattern.Matches(evt))
            {
                matched++;
            }
        }

        return matched;
    }
}
