using System.Net;
using System.Text;
using Amazon.S3.Model;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// A tenant's audit trail retention on the real program in the AwsLocal profile (fauxqs' S3): setting it sweeps the
/// tenant's objects of hours past it at once (then hourly); the current hour and other tenants' trails stay.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class AuditRetentionTests(LocalAwsFixture aws)
{
    [Fact]
    public async Task Setting_an_audit_retention_deletes_the_tenants_older_hours_and_nothing_else()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var silo = new SiloFactory(aws.AwsLocalSettings(run));
        await ((IAsyncLifetime)silo).InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync("trail");
        var (otherId, _) = await silo.NewTenantAsync("other");
        using var client = silo.ClientWithKey(key);
        var bucket = $"securitycoach-{run}";
        var now = DateTimeOffset.UtcNow;
        string Key(string tenant, DateTimeOffset hour) => $"audit/{tenant}/{hour:yyyy/MM/dd/HH}/silo-x-00000001.ndjson";
        var old = Key(tenantId, now.AddDays(-10));
        var recent = Key(tenantId, now);
        var others = Key(otherId, now.AddDays(-10));
        foreach (var objectKey in new[] { old, recent, others })
        {
            await aws.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = objectKey, ContentBody = "{}" });
        }

        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/settings", new StringContent("""{"retention":{"auditTrail":"P7D"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var keys = ((await aws.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "audit/" })).S3Objects ?? []).Select(o => o.Key).ToList();
        Assert.DoesNotContain(old, keys);
        Assert.Contains(recent, keys);
        Assert.Contains(others, keys);
    }
}
