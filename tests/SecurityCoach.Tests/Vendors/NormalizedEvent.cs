using System.Text.Json;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

/// <summary>A normalizer's output with its JSON parsed, read by dotted paths ("file.hashes.0.value").</summary>
internal sealed record NormalizedEvent(SecurityEvent Event, JsonElement Json)
{
    public const string TenantId = "tenant-3f9a";

    /// <summary>2026-01-01T00:00:00Z, the arrival time used when an event has no usable time of its own.</summary>
    public const long ReceivedAtMs = 1_767_225_600_000;

    public static NormalizedEvent From(IEventNormalizer normalizer, string raw)
    {
        using var document = JsonDocument.Parse(raw);
        var accepted = normalizer.TryNormalize(document.RootElement, new NormalizationContext(TenantId, ReceivedAtMs),
            out var normalized, out var error);
        Assert.True(accepted, error);
        Assert.NotNull(normalized);
        using var output = JsonDocument.Parse(normalized.Json);
        return new NormalizedEvent(normalized, output.RootElement.Clone());
    }

    public static string Rejection(IEventNormalizer normalizer, string raw)
    {
        using var document = JsonDocument.Parse(raw);
        var accepted = normalizer.TryNormalize(document.RootElement, new NormalizationContext(TenantId, ReceivedAtMs),
            out var normalized, out var error);
        Assert.False(accepted, "expected a rejection");
        Assert.Null(normalized);
        return error!;
    }

    public bool Has(string path) => TryFind(path, out _);

    public JsonElement At(string path) =>
        TryFind(path, out var value) ? value : throw new Xunit.Sdk.XunitException($"no '{path}' in {Json}");

    public string? Text(string path) => At(path).GetString();

    public long Number(string path) => At(path).GetInt64();

    public string[] Texts(string path)
    {
        var array = At(path);
        var texts = new string[array.GetArrayLength()];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = array[i].GetString()!;
        }

        return texts;
    }

    private bool TryFind(string path, out JsonElement value)
    {
        value = Json;
        foreach (var segment in path.Split('.'))
        {
            if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index < value.GetArrayLength())
            {
                value = value[index];
            }
            else if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                return false;
            }
        }

        return true;
    }
}
