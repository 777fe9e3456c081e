using System.Security.Cryptography;
using System.Text;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// Tenant API keys look like <c>sck_{tenantId}_{43 base64url chars}</c>: the tenant id in the key lets a request
/// find its tenant without a global key index, and 256 random bits make the key unguessable. Only the SHA-256 of a
/// key is stored; a fast hash suffices because the keys are random, not chosen by people.
/// </summary>
public static class ApiKeys
{
    private const string Prefix = "sck_";

    public static string NewTenantKey(string tenantId) =>
        string.Concat(Prefix, tenantId, "_", Base64Url(RandomNumberGenerator.GetBytes(32)));

    /// <summary>A random admin key, for the Local profile when none is configured.</summary>
    public static string NewAdminKey() => "sca_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The tenant id a key names, when it has the shape of a tenant key.</summary>
    public static bool TryGetTenantId(string key, out string tenantId)
    {
        tenantId = "";
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        // Tenant ids have no '_', so the first '_' after the prefix ends the id (the secret may contain '_').
        var end = key.IndexOf('_', Prefix.Length);
        if (end < 0)
        {
            return false;
        }

        var candidate = key[Prefix.Length..end];
        if (!Identifiers.IsValidTenantId(candidate))
        {
            return false;
        }

        tenantId = candidate;
        return true;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
