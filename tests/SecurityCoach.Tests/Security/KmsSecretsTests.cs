using System.Net;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using SecurityCoach.Secrets;
using SecurityCoach.Silo;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Security;

/// <summary>Data keys from KMS (a fake of its published API): the SDK's real requests, the tenant as encryption context, one data key per tenant.</summary>
public sealed class KmsSecretsTests
{
    private const string KeyId = "alias/securitycoach-secrets";

    [Fact]
    public async Task Values_are_sealed_under_a_kms_data_key_bound_to_the_tenant()
    {
        await using var kms = await FakeKms.StartAsync();
        using var client = new AmazonKeyManagementServiceClient(new BasicAWSCredentials("local", "local"),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.ServiceUrl, AuthenticationRegion = "us-east-1" });
        var protector = new EnvelopeSecretProtector(new KmsDataKeySource(client, KeyId));

        var stored = await protector.ProtectAsync("acme", "whsec-0123456789abcdef");
        var again = await protector.ProtectAsync("acme", "another-secret-value");

        Assert.Equal("whsec-0123456789abcdef", await new EnvelopeSecretProtector(new KmsDataKeySource(client, KeyId)).UnprotectAsync("acme", stored));
        Assert.Equal("another-secret-value", await protector.UnprotectAsync("acme", again));
        await Assert.ThrowsAsync<InvalidCiphertextException>(async () =>
            await new EnvelopeSecretProtector(new KmsDataKeySource(client, KeyId)).UnprotectAsync("globex", stored));
        var generate = Assert.Single(kms.Requests, r => r.Action == "GenerateDataKey");
        Assert.Equal(KeyId, generate.Body["KeyId"]!.GetValue<string>());
        Assert.Equal("""{"tenant":"acme"}""", FakeKms.ContextOf(generate.Body));
    }

    [Fact]
    public async Task The_program_with_a_kms_key_seals_campaign_secrets_through_kms_and_delivers_signed_with_the_plaintext()
    {
        await using var kms = await FakeKms.StartAsync();
        await using var silo = new SiloFactory(new Dictionary<string, string>
        {
            ["SecurityCoach:Secrets:KmsKeyId"] = KeyId,
            ["AWS:KMS:ServiceURL"] = kms.ServiceUrl,
            ["AWS:Region"] = "us-east-1",
        });
        await ((IAsyncLifetime)silo).InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync("kms");
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook("kms-webhook-secret-01");

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", new StringContent($$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":5,"tip":{"title":"Malware stopped","body":"Careful."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"kms-webhook-secret-01"}]}
            """, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            new StringContent("""{"aliases":[],"domain":"example.com"}""", Encoding.UTF8, "application/json"))).StatusCode);
        using var ingest = await client.PostAsync("/v1/ingest/crowdstrike",
            new StringContent(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:kms:1"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(30), "tip delivered"));
        Assert.True(delivered.SignatureValid);
        var generate = Assert.Single(kms.Requests, r => r.Action == "GenerateDataKey");
        Assert.Equal($$"""{"tenant":"{{tenantId}}"}""", FakeKms.ContextOf(generate.Body));
    }
}
