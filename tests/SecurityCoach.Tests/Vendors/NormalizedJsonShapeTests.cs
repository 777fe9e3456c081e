using System.Text.Json;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

/// <summary>What every normalized event owes the campaign patterns, checked on every vendor's fixtures.</summary>
public sealed class NormalizedJsonShapeTests
{
    public static TheoryData<string, string> Fixtures => new()
    {
        { "crowdstrike", CrowdStrikeNormalizerTests.EppPrevention },
        { "crowdstrike", CrowdStrikeNormalizerTests.EppPolicyDisabled },
        { "crowdstrike", CrowdStrikeNormalizerTests.LegacyDetection },
        { "crowdstrike", CrowdStrikeNormalizerTests.EndpointAlert },
        { "crowdstrike", CrowdStrikeNormalizerTests.IdentityAlert },
        { "zscaler", ZscalerNormalizerTests.BlockedDownload },
        { "zscaler", ZscalerNormalizerTests.AllowedPaste },
        { "netskope", NetskopeNormalizerTests.MalwareBlocked },
        { "netskope", NetskopeNormalizerTests.DlpAlert },
        { "netskope", NetskopeNormalizerTests.PhishingPageAllowed },
        { "netskope", NetskopeNormalizerTests.ApplicationUpload },
        { "zscaler", ZscalerNormalizerTests.DlpBlocked },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Absent_data_is_omitted_never_null_or_empty(string vendor, string raw)
    {
        AssertNothingEmpty(Normalize(vendor, raw));
    }

    /// <summary>The rules every normalized event keeps, whatever the vendor; the golden tests apply them too.</summary>
    internal static void AssertShape(NormalizedEvent result)
    {
        AssertNothingEmpty(result);
        Assert.Equal((result.Number("class_uid") * 100) + result.Number("activity_id"), result.Number("type_uid"));
        Assert.Equal(result.Number("class_uid") / 1000, result.Number("category_uid"));
        Assert.InRange(result.Number("severity_id"), 0, 5);
        Assert.Equal(result.Event.TimeMs, result.Number("time"));
        Assert.Equal(result.Event.EventId, result.Text("metadata.uid"));
        Assert.Equal("1.3.0", result.Text("metadata.version"));
        Assert.Equal(NormalizedEvent.TenantId, result.Text("tenant_id"));
        Assert.Equal(result.Event.UserKey, result.Text("user_key"));
        Assert.True(result.Has("metadata.product.name") && result.Has("metadata.product.vendor_name"));
    }

    private static void AssertNothingEmpty(NormalizedEvent result)
    {
        foreach (var property in result.Json.EnumerateObject())
        {
            if (property.Name is not ("unmapped" or "raw_data"))
            {
                AssertHasContent(property.Value, property.Name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Event_carries_the_fields_outside_tools_rely_on(string vendor, string raw)
    {
        var result = Normalize(vendor, raw);

        AssertShape(result);
        Assert.Equal(vendor, result.Event.Vendor);
        using var carried = JsonDocument.Parse(result.Text("raw_data")!);
        using var original = JsonDocument.Parse(raw);
        Assert.True(JsonElement.DeepEquals(original.RootElement, carried.RootElement));
    }

    private static NormalizedEvent Normalize(string vendor, string raw)
    {
        Assert.True(EventNormalizers.TryGet(vendor, out var normalizer));
        return NormalizedEvent.From(normalizer, raw);
    }

    private static void AssertHasContent(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.Fail($"{path} is null");
                break;
            case JsonValueKind.String:
                Assert.False(string.IsNullOrWhiteSpace(value.GetString()), $"{path} is empty");
                break;
            case JsonValueKind.Array:
                Assert.True(value.GetArrayLength() > 0, $"{path} is an empty array");
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    AssertHasContent(item, $"{path}.{index++}");
                }

                break;
            case JsonValueKind.Object:
                var count = 0;
                foreach (var property in value.EnumerateObject())
                {
                    AssertHasContent(property.Value, $"{path}.{property.Name}");
                    count++;
                }

                Assert.True(count > 0, $"{path} is an empty object");
                break;
        }
    }
}
