using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SecurityCoach.Api.Vendors;

/// <summary>
/// What a normalizer needs from the request besides the event: the tenant of the credential and the arrival time.
/// </summary>
public readonly record struct NormalizationContext(string TenantId, long ReceivedAtMs);

/// <summary>Turns one raw vendor event into the OCSF-shaped <see cref="SecurityEvent"/> that campaigns match.</summary>
public interface IEventNormalizer
{
    /// <summary>The route name, lower case: <c>/v1/ingest/{vendor}</c>.</summary>
    string Vendor { get; }

    /// <summary>
    /// Normalizes one event object. Returns false with a short reason when the value is not an object, not of a
    /// shape this vendor produces, or names no user to coach.
    /// </summary>
    bool TryNormalize(JsonElement raw, in NormalizationContext context,
        [NotNullWhen(true)] out SecurityEvent? normalized, [NotNullWhen(false)] out string? error);
}
