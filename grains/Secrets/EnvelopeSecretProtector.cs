using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace SecurityCoach.Secrets;

/// <summary>
/// Envelope encryption: each value is AES-256-GCM under a data key of its tenant, stored with that data key wrapped by
/// the <see cref="IDataKeySource"/> (KMS or a local master key). Stored form:
/// <c>scs1.</c> base64url(wrapped data key) <c>.</c> base64url(nonce | ciphertext | tag), the tenant id as associated data.
/// A silo makes one data key per tenant when it first protects something for it and keeps it for its lifetime (so a
/// KMS call per tenant and silo start, not per value); unwrapped keys are cached by their wrapped form, so decrypting a
/// delivery's secret costs no KMS call after the first. Rotation: a new master key (KMS rotates its backing key by
/// itself) applies to values stored from then on; values stay readable as long as the key that wrapped them is.
/// </summary>
public sealed class EnvelopeSecretProtector(IDataKeySource keys) : ISecretProtector
{
    public const string Prefix = "scs1.";

    private const int NonceLength = 12;
    private const int TagLength = 16;

    private readonly ConcurrentDictionary<string, Task<DataKey>> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Wrapped), Task<byte[]>> _unwrapped = new();

    public static bool IsProtected(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    public async ValueTask<string> ProtectAsync(string tenantId, string plaintext, CancellationToken cancellationToken = default)
    {
        var key = await Cached(_current, tenantId, static (tenant, keys) => keys.GenerateAsync(tenant, CancellationToken.None), keys);
        var text = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceLength + text.Length + TagLength];
        var nonce = sealedBytes.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using (var aes = new AesGcm(key.Plaintext, TagLength))
        {
            aes.Encrypt(nonce, text, sealedBytes.AsSpan(NonceLength, text.Length), sealedBytes.AsSpan(NonceLength + text.Length), Encoding.UTF8.GetBytes(tenantId));
        }

        return Prefix + Base64Url.EncodeToString(key.Wrapped) + "." + Base64Url.EncodeToString(sealedBytes);
    }

    public async ValueTask<string> UnprotectAsync(string tenantId, string value, CancellationToken cancellationToken = default)
    {
        if (!IsProtected(value))
        {
            return value;
        }

        var dot = value.IndexOf('.', Prefix.Length);
        if (dot < 0)
        {
            throw new CryptographicException("a protected value without its data key");
        }

        var wrapped = value[Prefix.Length..dot];
        var dataKey = await Cached(_unwrapped, (tenantId, wrapped),
            static (id, keys) => keys.UnwrapAsync(id.Item1, Base64Url.DecodeFromChars(id.Item2), CancellationToken.None), keys);
        var sealedBytes = Base64Url.DecodeFromChars(value.AsSpan(dot + 1));
        if (sealedBytes.Length < NonceLength + TagLength)
        {
            throw new CryptographicException("a protected value too short to hold its nonce and tag");
        }

        var text = new byte[sealedBytes.Length - NonceLength - TagLength];
        using var aes = new AesGcm(dataKey, TagLength);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceLength), sealedBytes.AsSpan(NonceLength, text.Length), sealedBytes.AsSpan(NonceLength + text.Length), text, Encoding.UTF8.GetBytes(tenantId));
        return Encoding.UTF8.GetString(text);
    }

    /// <summary>One call to the key source per entry, even when many ask at once; a failed call is not kept.</summary>
    private static async Task<T> Cached<TKey, T>(ConcurrentDictionary<TKey, Task<T>> cache, TKey id, Func<TKey, IDataKeySource, Task<T>> make, IDataKeySource keys)
        where TKey : notnull
    {
        var task = cache.GetOrAdd(id, static (k, state) => state.make(k, state.keys), (make, keys));
        try
        {
            return await task;
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<TKey, Task<T>>(id, task));
            throw;
        }
    }
}
