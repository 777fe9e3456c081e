using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

public sealed class EventNormalizersTests
{
    [Theory]
    [InlineData("crowdstrike", "crowdstrike")]
    [InlineData("CrowdStrike", "crowdstrike")]
    [InlineData("ZSCALER", "zscaler")]
    [InlineData("NetSkope", "netskope")]
    public void Vendor_is_found_whatever_its_case(string route, string vendor)
    {
        Assert.True(EventNormalizers.TryGet(route, out var normalizer));
        Assert.Equal(vendor, normalizer.Vendor);
    }

    [Fact]
    public void Unknown_vendor_is_not_found()
    {
        Assert.False(EventNormalizers.TryGet("acme-edr", out var normalizer));
        Assert.Null(normalizer);
    }

    [Fact]
    public void Every_normalizer_has_a_distinct_lower_case_route_name()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var normalizer in EventNormalizers.All)
        {
            Assert.Equal(normalizer.Vendor.ToLowerInvariant(), normalizer.Vendor);
            Assert.True(names.Add(normalizer.Vendor), normalizer.Vendor);
        }

        Assert.Equal(["crowdstrike", "defender", "entra", "mimecast", "netskope", "ocsf", "okta", "paloalto", "proofpoint", "umbrella", "zscaler"], names.Order(StringComparer.Ordinal));
    }
}
