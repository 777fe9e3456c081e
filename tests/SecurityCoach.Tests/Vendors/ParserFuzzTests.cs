using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Vendors;

/// <summary>
/// Mutated valid events, split and normalized as the endpoint does it: whatever the bytes, nothing throws, every
/// record is accepted or rejected with a reason, and an accepted event is well-formed JSON of the request's tenant.
/// Seeds are each vendor's golden bodies (and the unit-test fixtures of vendors without golden files); mutations
/// are drawn from a fixed-seed random source, so a failure names a case that can be replayed.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int MutantsPerVendor = 300;

    /// <summary>The seed bodies of every vendor with their media types.</summary>
    internal static List<(string Body, string MediaType)> Seeds(string vendor)
    {
        var seeds = new List<(string, string)>();
        var folder = Path.Combine(AppContext.BaseDirectory, "Vendors", "Golden", vendor);
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                if (!file.EndsWith(".expected.json", StringComparison.Ordinal))
                {
                    seeds.Add((File.ReadAllText(file), Path.GetExtension(file) switch
                    {
                        ".ndjson" => IngestBody.Ndjson,
                        ".log" => "text/plain",
                        ".csv" => "text/csv",
                        _ => IngestBody.Json,
                    }));
                }
            }
        }

        foreach (var row in NormalizedJsonShapeTests.Fixtures)
        {
            if ((string)row[0] == vendor)
            {
                seeds.Add(((string)row[1], IngestBody.Json));
            }
        }

        return seeds;
    }

    /// <summary>Mutant <paramref name="n"/> of a vendor: a seed, then one to three mutations.</summary>
    internal static (byte[] Body, string MediaType) Mutant(string vendor, List<(string Body, string MediaType)> seeds, int n)
    {
        // Stable across processes (HashCode.Combine is randomised per process), so a failing mutant replays.
        var random = new Random(unchecked((StableHash(vendor) * 31) + n));
        var (seed, mediaType) = seeds[random.Next(seeds.Count)];
        var body = seed;
        var rounds = 1 + random.Next(3);
        for (var i = 0; i < rounds; i++)
        {
            body = mediaType is "text/plain" or "text/csv" ? MutateLines(body, random) : MutateJson(body, random);
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        return (random.Next(4) == 0 ? MutateBytes(bytes, random) : bytes, mediaType);
    }

    public static TheoryData<string> Vendors() => [.. EventNormalizers.All.Select(n => n.Vendor)];

    [Theory]
    [MemberData(nameof(Vendors))]
    public void Mutated_events_never_throw_and_accepted_ones_are_well_formed(string vendor)
    {
        Assert.True(EventNormalizers.TryGet(vendor, out var normalizer));
        var seeds = Seeds(vendor);
        Assert.True(seeds.Count > 0, $"{vendor} has no golden files or fixtures to fuzz from");
        var context = new NormalizationContext(NormalizedEvent.TenantId, NormalizedEvent.ReceivedAtMs)
        {
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Lisbon"),
        };

        var accepted = 0;
        for (var n = 0; n < MutantsPerVendor; n++)
        {
            var (body, mediaType) = Mutant(vendor, seeds, n);
            try
            {
                using var records = IngestBody.Parse(body, mediaType, normalizer, IngestLimits.Default, out var bodyError);
                if (records is null)
                {
                    Assert.False(string.IsNullOrEmpty(bodyError.Kind), $"{vendor} mutant {n}: refused without a kind");
                    continue;
                }

                foreach (var outcome in records.Normalize(normalizer, context))
                {
                    if (outcome.Event is not { } normalized)
                    {
                        Assert.False(string.IsNullOrEmpty(outcome.Error), $"{vendor} mutant {n}: rejected without a reason");
                        continue;
                    }

                    accepted++;
                    // As deep as the grains allow: vendor JSON at the ingest limit, plus normalization's wrapping.
                    using var json = JsonDocument.Parse(normalized.Json, new JsonDocumentOptions { MaxDepth = SecurityEvent.MaxJsonDepth });
                    Assert.Equal(NormalizedEvent.TenantId, json.RootElement.GetProperty("tenant_id").GetString());
                    Assert.Equal(normalized.UserKey, json.RootElement.GetProperty("user_key").GetString());
                    Assert.False(string.IsNullOrEmpty(normalized.UserKey), $"{vendor} mutant {n}: empty user key");
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{vendor} mutant {n} ({mediaType}) threw {e.GetType().Name}: {e.Message}\n{Encoding.UTF8.GetString(body)}");
            }
        }

        // Mutations that never leave a usable event would test only the refusal paths.
        Assert.True(accepted > 0, $"{vendor}: no mutant was accepted");
    }

    private static string MutateJson(string body, Random random)
    {
        try
        {
            return MutateStructure(body, random);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException)
        {
            // An earlier round escaped a lone surrogate or nested deeper than the node model reads or writes.
            return MutateText(body, random);
        }
    }

    private static string MutateStructure(string body, Random random)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 256, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return MutateText(body, random);
        }

        // NDJSON seeds (several lines) are mutated as text; a structural mutation needs one document.
        if (root is null || random.Next(5) == 0)
        {
            return MutateText(body, random);
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        switch (random.Next(8))
        {
            case 0:
                Replace(ref root, target, SwapType(target, random));
                break;
            case 1 when target.Parent is JsonObject parent:
                parent.Remove(target.GetPropertyName());
                break;
            case 2:
                Replace(ref root, target, JsonValue.Create(HugeNumbers[random.Next(HugeNumbers.Length)]));
                break;
            case 3:
                Replace(ref root, target, Nest(target.DeepClone(), 1 + random.Next(90)));
                break;
            case 4:
                Replace(ref root, target, JsonValue.Create(new string((char)('a' + random.Next(26)), random.Next(1, 40_000))));
                break;
            case 5 when target.Parent is JsonArray array:
                array.Add(target.DeepClone());
                break;
            case 6:
                Replace(ref root, target, JsonValue.Create(Strings[random.Next(Strings.Length)]));
                break;
            default:
                return MutateText(root.ToJsonString(), random);
        }

        return root.ToJsonString();
    }

    private static readonly double[] HugeNumbers = [1e308, -1e308, 0, -1, 1.5, 9_999_999_999_999_999, double.Epsilon, 1e15, 1e18];

    private static readonly string[] Strings =
        ["", " ", "null", "None", "N/A", "\u0000", "\uFEFF", "😀", "a@", "@", "\\", "\"", "0000-00-00T00:00:00Z",
         "2026-02-30T25:61:61Z", "9999-12-31T23:59:59.9999999+14:00", "5d7c1b2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "x,y,\"z", "=="];

    private static JsonNode? SwapType(JsonNode? node, Random random) => random.Next(6) switch
    {
        0 => null,
        1 => JsonValue.Create(node?.ToJsonString() ?? "null"),
        2 => JsonValue.Create(random.Next(2) == 0),
        3 => new JsonArray(node?.DeepClone()),
        4 => new JsonObject { ["value"] = node?.DeepClone() },
        _ => JsonValue.Create(random.Next()),
    };

    private static JsonNode Nest(JsonNode? node, int depth)
    {
        var current = node;
        for (var i = 0; i < depth; i++)
        {
            current = new JsonArray(current);
        }

        return current!;
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        if (node is JsonObject obj)
        {
            foreach (var (_, child) in obj.ToList())
            {
                Collect(child, nodes);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array.ToList())
            {
                Collect(child, nodes);
            }
        }
    }

    private static void Replace(ref JsonNode root, JsonNode target, JsonNode? replacement)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = replacement;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = replacement;
                break;
            default:
                root = replacement ?? JsonValue.Create(0);
                break;
        }
    }

    /// <summary>Text-level changes: a duplicated key, a cut, a removed or repeated span, an inserted character.</summary>
    private static string MutateText(string body, Random random)
    {
        if (body.Length == 0)
        {
            return "{";
        }

        var at = random.Next(body.Length);
        var length = Math.Min(body.Length - at, 1 + random.Next(40));
        var quote = body.IndexOf('"', at);
        return random.Next(6) switch
        {
            0 => body[..at],
            5 when quote > 0 => body.Insert(quote, "\\ud800"),
            1 => body.Remove(at, length),
            2 => body.Insert(at, body.Substring(at, length)),
            3 => body.Insert(at, ((char)random.Next(0x20, 0x7F)).ToString()),
            _ => body.Insert(Math.Max(1, body.IndexOf('{') + 1), "\"id\":1,"),
        };
    }

    /// <summary>Log lines: fields dropped, emptied, repeated, quoted oddly; or the text mutations.</summary>
    private static string MutateLines(string body, Random random)
    {
        var lines = body.Split('\n');
        var index = random.Next(lines.Length);
        var fields = lines[index].Split(',').ToList();
        var field = random.Next(fields.Count);
        switch (random.Next(6))
        {
            case 0:
                fields.RemoveAt(field);
                break;
            case 1:
                fields[field] = "";
                break;
            case 2:
                fields.Insert(field, fields[field]);
                break;
            case 3:
                fields[field] = "\"" + fields[field];
                break;
            case 4:
                fields[field] = Strings[random.Next(Strings.Length)];
                break;
            default:
                return MutateText(body, random);
        }

        lines[index] = string.Join(",", fields);
        return string.Join("\n", lines);
    }

    /// <summary>Byte-level changes that may leave the text invalid UTF-8.</summary>
    private static byte[] MutateBytes(byte[] bytes, Random random)
    {
        if (bytes.Length == 0)
        {
            return [0xFF];
        }

        var copy = bytes.ToList();
        var at = random.Next(copy.Count);
        switch (random.Next(3))
        {
            case 0:
                copy[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                copy.RemoveRange(at, Math.Min(copy.Count - at, 1 + random.Next(8)));
                break;
            default:
                var inserted = new byte[1 + random.Next(4)];
                random.NextBytes(inserted);
                copy.InsertRange(at, inserted);
                break;
        }

        return [.. copy];
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = (hash * 31) + c;
        }

        return hash;
    }
}

/// <summary>A sample of the fuzz mutants over HTTP against the real silo: never a 5xx.</summary>
[Collection(SiloCollection.Name)]
public sealed class ParserFuzzHttpTests(SiloFactory silo)
{
    private const int SamplesPerVendor = 8;

    [Fact]
    public async Task Mutated_events_never_get_a_server_error()
    {
        var failures = new List<string>();
        foreach (var normalizer in EventNormalizers.All)
        {
            var (_, key) = await silo.NewTenantAsync("fuzz");
            using var client = silo.ClientWithKey(key);
            var seeds = ParserFuzzTests.Seeds(normalizer.Vendor);
            for (var n = 0; n < SamplesPerVendor; n++)
            {
                var (body, mediaType) = ParserFuzzTests.Mutant(normalizer.Vendor, seeds, n * 37);
                using var content = new ByteArrayContent(body);
                content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
                using var response = await client.PostAsync($"/v1/ingest/{normalizer.Vendor}", content);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{normalizer.Vendor} mutant {n * 37}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        Assert.Empty(failures);
        using var health = await silo.ClientWithKey(null).GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
