using System.Text;
using System.Text.Json;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Benchmarks.Micro;
using SecurityCoach.Rules;

namespace SecurityCoach.Tests.Bench;

/// <summary>The pattern-matching benchmark's inputs: valid, distinct, and neither all-matching nor all-failing.</summary>
public sealed class CampaignLibraryTests
{
    [Fact]
    public void Every_campaign_of_the_500_compiles_and_no_two_are_alike()
    {
        var library = CampaignPatterns.Library(500);

        foreach (var pattern in library)
        {
            EventPattern.Parse(pattern);
        }

        Assert.Equal(library.Length, library.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("crowdstrike")]
    [InlineData("zscaler")]
    [InlineData("netskope")]
    public void Some_but_not_all_of_50_campaigns_match_each_vendor_sample(string vendor)
    {
        Assert.True(EventNormalizers.TryGet(vendor, out var normalizer));
        using var raw = JsonDocument.Parse(Encoding.UTF8.GetBytes(SampleEvents.For(vendor)));
        Assert.True(normalizer.TryNormalize(raw.RootElement, new NormalizationContext("acme", 1767225600000), out var normalized, out var error), error);
        using var evt = JsonDocument.Parse(normalized.Json);

        var matching = CampaignPatterns.Library(50).Count(p => EventPattern.Parse(p).Matches(evt.RootElement));

        Assert.InRange(matching, 1, 49);
    }
}
