using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

/// <summary>
/// Every body under <c>Vendors/Golden/{vendor}/</c> is split and normalized as the ingest endpoint does it, and the
/// outcome compared with <c>{name}.expected.json</c> next to it (re-serialized, so whitespace does not count;
/// <c>raw_data</c> of JSON records appears there as the JSON it holds). The extension gives the media type:
/// .json, .ndjson, .log (text/plain), .csv (text/csv). The context is fixed: tenant
/// <see cref="NormalizedEvent.TenantId"/>, arrival <see cref="NormalizedEvent.ReceivedAtMs"/>, UTC.
/// To accept a deliberate change: <c>UPDATE_GOLDEN=1 dotnet test --filter GoldenTests</c> rewrites the expected
/// files in the source tree; review the diff before committing it.
/// </summary>
public sealed class GoldenTests
{
    private const string ExpectedSuffix = ".expected.json";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static TheoryData<string> Cases()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Vendors", "Golden");
        var cases = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!file.EndsWith(ExpectedSuffix, StringComparison.Ordinal))
            {
                cases.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Normalized_output_matches_the_golden_file(string input)
    {
        var vendor = input[..input.IndexOf('/', StringComparison.Ordinal)];
        Assert.True(EventNormalizers.TryGet(vendor, out var normalizer), $"no normalizer for folder '{vendor}'");
        var mediaType = Path.GetExtension(input) switch
        {
            ".json" => IngestBody.Json,
            ".ndjson" => IngestBody.Ndjson,
            ".log" => "text/plain",
            ".csv" => "text/csv",
            var other => throw new Xunit.Sdk.XunitException($"unknown golden input extension '{other}'"),
        };
        var body = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Vendors", "Golden", input));
        Assert.True(IngestBody.Accepts(normalizer, mediaType), $"{vendor} does not take {mediaType}");

        using var records = IngestBody.Parse(body, mediaType, normalizer, out var error);
        Assert.True(records is not null, error);
        var context = new NormalizationContext(NormalizedEvent.TenantId, NormalizedEvent.ReceivedAtMs);
        var actual = Render(records.Normalize(normalizer, context), parseRawData: mediaType is IngestBody.Json or IngestBody.Ndjson);

        var expectedName = input[..^Path.GetExtension(input).Length] + ExpectedSuffix;
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDirectory(), "Golden", expectedName), actual + "\n");
            return;
        }

        var expectedPath = Path.Combine(AppContext.BaseDirectory, "Vendors", "Golden", expectedName);
        Assert.True(File.Exists(expectedPath),
            $"no {expectedName}: write it with UPDATE_GOLDEN=1 dotnet test --filter GoldenTests, then review it");
        var expected = JsonNode.Parse(File.ReadAllText(expectedPath))!.ToJsonString(Indented);
        Assert.Equal(expected, actual);
    }

    private static string Render(List<IngestOutcome> outcomes, bool parseRawData)
    {
        var array = new JsonArray();
        foreach (var outcome in outcomes)
        {
            var entry = new JsonObject { ["index"] = outcome.Index };
            if (outcome.Event is { } normalized)
            {
                var json = JsonNode.Parse(normalized.Json)!.AsObject();
                if (parseRawData)
                {
                    json["raw_data"] = JsonNode.Parse(json["raw_data"]!.GetValue<string>());
                }

                NormalizedJsonShapeTests.AssertShape(new NormalizedEvent(normalized, JsonDocument.Parse(normalized.Json).RootElement));
                entry["event"] = json;
            }
            else
            {
                if (outcome.Item is not null)
                {
                    entry["item"] = outcome.Item;
                }

                entry["rejected"] = outcome.Error;
            }

            array.Add(entry);
        }

        return array.ToJsonString(Indented);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
