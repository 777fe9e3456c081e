using System.Security.Cryptography;
using System.Text;

namespace SecurityCoach.Secrets;

/// <summary>
/// Data keys wrapped with AES-256-GCM under a master key held by the silo (a configured key, a key file, or — Local
/// profile, whose state is gone when the process stops anyway — one made at start-up). Wrapped form:
/// key id (4 bytes: the start of the master key's SHA-256, so a value from another key is told apart) | nonce (12) |
/// wrapped key (32) | tag (16); the tenant id is the associated data.
/// </summary>
public sealed class LocalDataKeySource : IDataKeySource
{
    private const int KeyIdLength = 4;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int DataKeyLength = 32;

    private readonly byte[] _masterKey;
    private readonly byte[] _keyId;

    public LocalDataKeySource(byte[] masterKey)
    {
        if (masterKey.Length != DataKeyLength)
        {
            throw new ArgumentException($"the master key must be {DataKeyLength} bytes (256 bits), not {masterKey.Length}", nameof(masterKey));
        }

        _masterKey = masterKey;
        _keyId = SHA256.HashData(masterKey)[..KeyIdLength];
    }

    /// <summary>A master key given as base64 (<c>openssl rand -base64 32</c>), with an error that says so when it is not one.</summary>
    public static byte[] MasterKeyFromBase64(string text, string setting)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{setting} is not base64; make a key with: openssl rand -base64 {DataKeyLength}");
        }

        return key.Length == DataKeyLength
            ? key
            : throw new InvalidOperationException($"{setting} is {key.Length} bytes; it must be {DataKeyLength} (openssl rand -base64 {DataKeyLength})");
    }

    /// <summary>A master key of its own, for a process whose state does not outlive it.</summary>
    public static LocalDataKeySource Ephemeral() => new(RandomNumberGenerator.GetBytes(DataKeyLength));

    public Task<DataKey> GenerateAsync(string tenantId, CancellationToken cancellationToken)
    {
        var plaintext = RandomNumberGenerator.GetBytes(DataKeyLength);
        var wrapped = new byte[KeyIdLength + NonceLength + DataKeyLength + TagLength];
        _keyId.CopyTo(wrapped, 0);
        var nonce = wrapped.AsSpan(KeyIdLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_masterKey, TagLength);
        aes.Encrypt(nonce, plaintext, wrapped.AsSpan(KeyIdLength + NonceLength, DataKeyLength), wrapped.AsSpan(KeyIdLength + NonceLength + DataKeyLength), Encoding.UTF8.GetBytes(tenantId));
        return Task.FromResult(new DataKey(plaintext, wrapped));
    }

    public Task<byte[]> UnwrapAsync(string tenantId, byte[] wrapped, CancellationToken cancellationToken)
    {
        if (wrapped.Length != KeyIdLength + NonceLength + DataKeyLength + TagLength)
        {
            throw new CryptographicException("not a data key wrapped by a local master key");
        }

        if (!wrapped.AsSpan(0, KeyIdLength).SequenceEqual(_keyId))
        {
            throw new CryptographicException("the data key was wrapped by another master key than the one configured (SecurityCoach:Secrets)");
        }

        var plaintext = new byte[DataKeyLength];
        using var aes = new AesGcm(_masterKey, TagLength);
        aes.Decrypt(wrapped.AsSpan(KeyIdLength, NonceLength), wrapped.AsSpan(KeyIdLength + NonceLength, DataKeyLength),
            wrapped.AsSpan(KeyIdLength + NonceLength + DataKeyLength), plaintext, Encoding.UTF8.GetBytes(tenantId));
        return Task.FromResult(plaintext);
    }
}
