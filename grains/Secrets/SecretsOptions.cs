namespace SecurityCoach.Secrets;

/// <summary>
/// How tenants' secrets are encrypted at rest (section <c>SecurityCoach:Secrets</c>): <see cref="KmsKeyId"/> (AWS KMS key
/// id, ARN or alias; data keys from KMS), else a local master key, <see cref="LocalKey"/> (base64 of 32 bytes) or
/// <see cref="LocalKeyFile"/> (made, readable by the owner only, when it does not exist). Unset: the Local profile makes
/// a key for the process (its state is in memory), AwsLocal uses the key file <c>.securitycoach/secrets.key</c>, and Aws
/// refuses to start.
/// </summary>
public sealed class SecretsOptions
{
    public const string Section = "SecurityCoach:Secrets";

    public string? KmsKeyId { get; set; }

    public string? LocalKey { get; set; }

    public string? LocalKeyFile { get; set; }
}
