using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// The admin (operator) keys: <c>SecurityCoach:AdminApiKey</c> and any in <c>SecurityCoach:AdminApiKeys</c>, read
/// from the live configuration, so a rotation needs no restart: add the new key beside the old one, move the clients
/// over, then remove the old one (both are valid during the overlap). Only hashes are held. The one place in the
/// process that decides whether a key is an admin key.
/// </summary>
public sealed class AdminKeys : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile byte[][] _hashes;

    public AdminKeys(IOptionsMonitor<ApiOptions> options)
    {
        _hashes = HashesOf(options.CurrentValue);
        _subscription = options.OnChange(changed => _hashes = HashesOf(changed));
    }

    /// <summary>The id the audit log names an admin key by (<c>admin:</c> and 12 hex characters of its hash), or null when it is none.</summary>
    public string? Match(byte[] keyHash)
    {
        string? match = null;
        foreach (var hash in _hashes)
        {
            // Every configured key is compared, in constant time, so timing tells nothing about which one matched.
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash))
            {
                match = "admin:" + Convert.ToHexStringLower(hash.AsSpan(0, 6));
            }
        }

        return match;
    }

    private static byte[][] HashesOf(ApiOptions options) =>
        [.. new[] { options.AdminApiKey }.Concat(options.AdminApiKeys).Where(k => !string.IsNullOrEmpty(k)).Distinct(StringComparer.Ordinal).Select(k => ApiKeys.Hash(k!))];

    public void Dispose() => _subscription?.Dispose();
}
