using System.Diagnostics.CodeAnalysis;

namespace SecurityCoach.Api.Vendors;

/// <summary>The normalizers the ingest endpoint serves, looked up by route name.</summary>
public static class EventNormalizers
{
    public static IReadOnlyList<IEventNormalizer> All { get; } =
        [
            new CrowdStrikeNormalizer(), new ZscalerNormalizer(), new NetskopeNormalizer(), new OktaNormalizer(),
            new EntraNormalizer(), new ProofpointNormalizer(),
            new PanOsNormalizer(), new UmbrellaNormalizer(), new DefenderNormalizer(), new MimecastNormalizer(), new OcsfNormalizer(),
        ];

    /// <summary>Finds the normalizer for a route name, ignoring case.</summary>
    public static bool TryGet(string vendor, [NotNullWhen(true)] out IEventNormalizer? normalizer)
    {
        // A loop over a dozen entries is as quick as a dictionary lookup and needs no case-folded copy of the name.
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Vendor, vendor, StringComparison.OrdinalIgnoreCase))
            {
                normalizer = candidate;
                return true;
            }
        }

        normalizer = null;
        return false;
    }
}
