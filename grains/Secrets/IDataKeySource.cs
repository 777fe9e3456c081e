namespace SecurityCoach.Secrets;

/// <summary>
/// Where data keys come from and how they are wrapped: AWS KMS (<c>GenerateDataKey</c> / <c>Decrypt</c>, the tenant as
/// encryption context) or a local master key. The envelope (<see cref="EnvelopeSecretProtector"/>) keeps only the
/// wrapped key next to each value.
/// </summary>
public interface IDataKeySource
{
    /// <summary>A new 256-bit data key: its plaintext (kept in memory only) and its wrapped form (stored).</summary>
    Task<DataKey> GenerateAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>The plaintext of a wrapped data key this source made for the tenant; throws when it is not one.</summary>
    Task<byte[]> UnwrapAsync(string tenantId, byte[] wrapped, CancellationToken cancellationToken);
}

/// <summary>A data key: <see cref="Plaintext"/> encrypts, <see cref="Wrapped"/> is what is stored.</summary>
public sealed record DataKey(byte[] Plaintext, byte[] Wrapped);
