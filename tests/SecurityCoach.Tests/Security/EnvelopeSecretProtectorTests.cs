using System.Security.Cryptography;
using SecurityCoach.Secrets;

namespace SecurityCoach.Tests.Security;

/// <summary>The envelope: values open only for their tenant and key, tampering is detected, a tenant's data key is made once.</summary>
public sealed class EnvelopeSecretProtectorTests
{
    /// <summary>Counts the data keys it makes and unwraps.</summary>
    private sealed class CountingKeys(IDataKeySource inner) : IDataKeySource
    {
        public int Generated;
        public int Unwrapped;

        public Task<DataKey> GenerateAsync(string tenantId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Generated);
            return inner.GenerateAsync(tenantId, cancellationToken);
        }

        public Task<byte[]> UnwrapAsync(string tenantId, byte[] wrapped, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Unwrapped);
            return inner.UnwrapAsync(tenantId, wrapped, cancellationToken);
        }
    }

    [Fact]
    public async Task A_value_round_trips_for_its_tenant_and_its_stored_form_holds_no_plaintext()
    {
        var protector = new EnvelopeSecretProtector(LocalDataKeySource.Ephemeral());

        var stored = await protector.ProtectAsync("acme", "whsec-0123456789abcdef");

        Assert.StartsWith(EnvelopeSecretProtector.Prefix, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec", stored, StringComparison.Ordinal);
        Assert.NotEqual(stored, await protector.ProtectAsync("acme", "whsec-0123456789abcdef"));
        Assert.Equal("whsec-0123456789abcdef", await protector.UnprotectAsync("acme", stored));
    }

    [Fact]
    public async Task A_value_of_one_tenant_does_not_open_for_another()
    {
        var protector = new EnvelopeSecretProtector(LocalDataKeySource.Ephemeral());
        var stored = await protector.ProtectAsync("acme", "whsec-0123456789abcdef");

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await protector.UnprotectAsync("globex", stored));
    }

    [Fact]
    public async Task A_changed_byte_is_detected()
    {
        var protector = new EnvelopeSecretProtector(LocalDataKeySource.Ephemeral());
        var stored = await protector.ProtectAsync("acme", "whsec-0123456789abcdef");
        var last = stored[^2] == 'A' ? 'B' : 'A';
        var tampered = stored[..^2] + last + stored[^1];

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await protector.UnprotectAsync("acme", tampered));
    }

    [Fact]
    public async Task Values_stay_readable_by_a_new_process_with_the_same_master_key_and_not_with_another()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        var stored = await new EnvelopeSecretProtector(new LocalDataKeySource(master)).ProtectAsync("acme", "s3cret-value-0001");

        Assert.Equal("s3cret-value-0001", await new EnvelopeSecretProtector(new LocalDataKeySource(master)).UnprotectAsync("acme", stored));
        var error = await Assert.ThrowsAnyAsync<CryptographicException>(async () =>
            await new EnvelopeSecretProtector(LocalDataKeySource.Ephemeral()).UnprotectAsync("acme", stored));
        Assert.Contains("another master key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_gets_one_data_key_per_process_and_an_unwrapped_key_is_reused()
    {
        var keys = new CountingKeys(LocalDataKeySource.Ephemeral());
        var writer = new EnvelopeSecretProtector(keys);
        var values = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => writer.ProtectAsync("acme", $"secret-{i}").AsTask()));
        await writer.ProtectAsync("globex", "other");
        var reader = new EnvelopeSecretProtector(keys);

        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal($"secret-{i}", await reader.UnprotectAsync("acme", values[i]));
        }

        Assert.Equal(2, keys.Generated);
        Assert.Equal(1, keys.Unwrapped);
    }

    [Fact]
    public async Task A_value_stored_before_encryption_is_read_as_it_is_and_sealed_on_the_next_write()
    {
        var protector = new EnvelopeSecretProtector(LocalDataKeySource.Ephemeral());
        var legacy = new ChannelDefinition("webhook", "https://hooks.example.com/x", "plain-old-secret-01");

        Assert.Equal("plain-old-secret-01", await protector.UnprotectAsync("acme", legacy.Secret));
        var sealedChannel = await ChannelSecrets.SealAsync(protector, "acme", legacy);
        Assert.StartsWith(EnvelopeSecretProtector.Prefix, sealedChannel.Secret, StringComparison.Ordinal);
        Assert.Equal("https://hooks.example.com/x", sealedChannel.Url);
        Assert.Equal(legacy, await ChannelSecrets.OpenAsync(protector, "acme", sealedChannel, default));
    }
}
