using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using SecurityCoach.Secrets;

namespace SecurityCoach.Silo;

/// <summary>
/// Data keys from AWS KMS: <c>GenerateDataKey</c> (AES_256) under the configured key, <c>Decrypt</c> to unwrap, the
/// tenant id as encryption context (so KMS refuses to unwrap one tenant's key for another, and CloudTrail names the
/// tenant of each call). The task role needs <c>kms:GenerateDataKey</c> and <c>kms:Decrypt</c> on the key.
/// </summary>
public sealed class KmsDataKeySource(IAmazonKeyManagementService kms, string keyId) : IDataKeySource
{
    private const string ContextKey = "tenant";

    public async Task<DataKey> GenerateAsync(string tenantId, CancellationToken cancellationToken)
    {
        var response = await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = keyId,
            KeySpec = DataKeySpec.AES_256,
            EncryptionContext = new Dictionary<string, string> { [ContextKey] = tenantId },
        }, cancellationToken);
        return new DataKey(response.Plaintext.ToArray(), response.CiphertextBlob.ToArray());
    }

    public async Task<byte[]> UnwrapAsync(string tenantId, byte[] wrapped, CancellationToken cancellationToken)
    {
        using var blob = new MemoryStream(wrapped);
        var response = await kms.DecryptAsync(new DecryptRequest
        {
            KeyId = keyId,
            CiphertextBlob = blob,
            EncryptionContext = new Dictionary<string, string> { [ContextKey] = tenantId },
        }, cancellationToken);
        return response.Plaintext.ToArray();
    }
}
