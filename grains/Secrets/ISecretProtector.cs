namespace SecurityCoach.Secrets;

/// <summary>
/// Encrypts what tenants give us to keep secret (webhook signing secrets, chat webhook URLs) before it reaches grain
/// state, and decrypts it where it is used (a delivery). Bound to the tenant: a value protected for one tenant does not
/// open for another.
/// </summary>
public interface ISecretProtector
{
    ValueTask<string> ProtectAsync(string tenantId, string plaintext, CancellationToken cancellationToken = default);

    /// <summary>The plaintext of a protected value; a value stored before encryption existed (no prefix) is returned as it is.</summary>
    ValueTask<string> UnprotectAsync(string tenantId, string value, CancellationToken cancellationToken = default);
}
