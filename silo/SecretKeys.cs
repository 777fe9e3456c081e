using Amazon.KeyManagementService;
using Amazon.Runtime;
using SecurityCoach.Secrets;

namespace SecurityCoach.Silo;

/// <summary>
/// Chooses where the keys that encrypt tenants' secrets come from (<see cref="SecretsOptions"/>): KMS when a key id is
/// set; else a local master key, configured or in a key file; else, in Local only, a key of this process (its state is
/// in memory, gone with it). AwsLocal defaults to the key file <see cref="DefaultKeyFile"/> (its state outlives the
/// process in DynamoDB Local); Aws will not start without one of them, rather than store secrets it cannot read back.
/// </summary>
public static class SecretKeys
{
    public const string DefaultKeyFile = ".securitycoach/secrets.key";

    private const int KeyBytes = 32;

    public static void Add(WebApplicationBuilder builder, string profile)
    {
        var options = builder.Configuration.GetSection(SecretsOptions.Section).Get<SecretsOptions>() ?? new SecretsOptions();
        if (!string.IsNullOrWhiteSpace(options.KmsKeyId))
        {
            var configuration = builder.Configuration;
            builder.Services.AddSingleton<IAmazonKeyManagementService>(_ =>
            {
                var config = new AmazonKeyManagementServiceConfig();
                if (configuration["AWS:KMS:ServiceURL"] is { } url)
                {
                    config.ServiceURL = url;
                }

                if (configuration["AWS:Region"] is { } region)
                {
                    config.AuthenticationRegion = region;
                    if (configuration["AWS:KMS:ServiceURL"] is null)
                    {
                        config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
                    }
                }

                // Outside Aws, KMS is an emulator on the developer's machine, which takes any key; Aws uses the SDK's
                // credential chain (the task role).
                return profile != Profiles.Aws
                    ? new AmazonKeyManagementServiceClient(new BasicAWSCredentials("local", "local"), config)
                    : new AmazonKeyManagementServiceClient(config);
            });
            builder.Services.AddSingleton<IDataKeySource>(services =>
                new KmsDataKeySource(services.GetRequiredService<IAmazonKeyManagementService>(), options.KmsKeyId));
            return;
        }

        if (!string.IsNullOrWhiteSpace(options.LocalKey))
        {
            // AddSecurityCoachGrains reads it.
            return;
        }

        var file = options.LocalKeyFile ?? (profile == Profiles.AwsLocal ? DefaultKeyFile : null);
        if (file is not null)
        {
            builder.Services.AddSingleton<IDataKeySource>(new LocalDataKeySource(ReadOrCreate(Path.GetFullPath(file))));
            return;
        }

        if (profile == Profiles.Aws)
        {
            throw new InvalidOperationException(
                $"The Aws profile encrypts tenants' channel secrets and needs a key: set {SecretsOptions.Section}:KmsKeyId (a KMS key id, ARN or alias; " +
                $"the task role needs kms:GenerateDataKey and kms:Decrypt on it), or {SecretsOptions.Section}:LocalKey (base64 of {KeyBytes} random bytes).");
        }
    }

    /// <summary>The key in the file, or a new one written there readable by the owner only.</summary>
    private static byte[] ReadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return LocalDataKeySource.MasterKeyFromBase64(File.ReadAllText(path), $"the key file {path} ({SecretsOptions.Section}:LocalKeyFile)");
        }

        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            OwnerOnlyFile.CreateNew(path, Convert.ToBase64String(key));
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another silo in the same directory made it first: use that one.
            return ReadOrCreate(path);
        }

        return key;
    }
}
