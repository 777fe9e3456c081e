using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The real silo program in the AwsLocal profile — DynamoDB clustering, state and reminders, SQS streams, S3 — against
/// the emulators of deploy/local: the README's walkthrough, end to end, over the real wire protocols.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class AwsLocalProfileTests(LocalAwsFixture aws)
{
    [Fact]
    public async Task The_walkthrough_runs_on_DynamoDB_and_SQS_and_creates_what_it_needs()
    {
        // Names of this run only, so a rerun against the same emulators starts clean.
        var run = Guid.NewGuid().ToString("N")[..8];
        var settings = aws.AwsLocalSettings(run);
        settings["SecurityCoach:Aws:AuditFlushInterval"] = "00:00:01";
        await using var silo = new SiloFactory(settings);
        await ((IAsyncLifetime)silo).InitializeAsync();

        var tables = (await aws.DynamoDB.ListTablesAsync(new ListTablesRequest())).TableNames ?? [];
        Assert.Contains($"state-{run}", tables);
        Assert.Contains($"silos-{run}", tables);
        Assert.Contains($"reminders-{run}", tables);
        var queues = (await aws.Sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = $"events-{run}" })).QueueUrls ?? [];
        Assert.Equal(4, queues.Count);

        var (tenantId, key) = await silo.NewTenantAsync("aws");
        using var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook("aws-local-secret-123");
        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":12,"tip":{"title":"Malware stopped","body":"On {{"{{"}}device.hostname{{"}}"}}."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"aws-local-secret-123"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", new StringContent(campaign, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/aliases",
            new StringContent("""{"aliases":[],"domain":"example.com"}""", Encoding.UTF8, "application/json"))).StatusCode);

        using var ingest = await client.PostAsync("/v1/ingest/crowdstrike",
            new StringContent(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:aws:1"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(60), "tip delivered through SQS and DynamoDB"));
        Assert.True(delivered.SignatureValid);
        Assert.Equal("On LAPTOP-17.", delivered.Body.GetProperty("tip").GetProperty("body").GetString());
        var user = await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/jdoe@example.com"),
            u => u.GetProperty("coachings").GetArrayLength() == 1 && u.GetProperty("coachings")[0].GetProperty("status").GetString() == "Delivered",
            "user shows the delivered coaching", TimeSpan.FromSeconds(30));
        Assert.Equal(12, user.GetProperty("riskScore").GetDouble(), precision: 3);

        // The state lives in DynamoDB: the user's item is there under the service id.
        var items = await aws.DynamoDB.ScanAsync(new ScanRequest { TableName = $"state-{run}" });
        Assert.Contains(items.Items ?? [], i => i["PK"].S.Contains($"user/{tenantId}/jdoe@example.com", StringComparison.Ordinal));
        // The webhook secret is in no item, as text or inside a binary state; the tenant's item holds it sealed.
        var secret = Encoding.UTF8.GetBytes("aws-local-secret-123");
        static byte[] Bytes(Amazon.DynamoDBv2.Model.AttributeValue v) => v.B?.ToArray() ?? Encoding.UTF8.GetBytes(v.S ?? "");
        Assert.DoesNotContain(items.Items ?? [], i => i.Values.Any(v => Bytes(v).AsSpan().IndexOf(secret) >= 0));
        Assert.Contains(items.Items ?? [], i => i["PK"].S.Contains($"tenant/{tenantId}", StringComparison.Ordinal) && i.Values.Any(v => Bytes(v).AsSpan().IndexOf("scs1."u8) >= 0));

        // The audit trail of the tenant is in the bucket: each stage of the walkthrough, once.
        var records = await Eventually.Until(
            () => AuditRecords($"securitycoach-{run}", tenantId),
            r => r.Select(x => x.GetProperty("kind").GetString()).Distinct().Count() == 5,
            "audit objects with all five kinds", TimeSpan.FromSeconds(30));
        Assert.Equal(["campaign.put", "aliases.put"], records.Where(r => r.GetProperty("kind").GetString() == "admin").Select(r => r.GetProperty("action").GetString()));
        Assert.All(records, r => Assert.Equal(tenantId, r.GetProperty("tenant").GetString()));
        var raw = Assert.Single(records, r => r.GetProperty("kind").GetString() == "ingest.raw");
        Assert.Contains("ldt:aws:1", raw.GetProperty("payload").GetString(), StringComparison.Ordinal);
        var normalized = Assert.Single(records, r => r.GetProperty("kind").GetString() == "ingest.normalized");
        Assert.Equal("jdoe@example.com", normalized.GetProperty("user").GetString());
        var score = Assert.Single(records, r => r.GetProperty("kind").GetString() == "score");
        Assert.Equal("malware", score.GetProperty("campaign_id").GetString());
        Assert.Equal(0, score.GetProperty("risk_before").GetDouble(), precision: 3);
        Assert.Equal(12, score.GetProperty("risk_after").GetDouble(), precision: 3);
        var coaching = Assert.Single(records, r => r.GetProperty("kind").GetString() == "coaching");
        Assert.Equal("Delivered", coaching.GetProperty("status").GetString());
        Assert.Equal(1, coaching.GetProperty("attempts").GetInt32());
        Assert.Equal(normalized.GetProperty("event_id").GetString(), coaching.GetProperty("event_id").GetString());
    }

    private async Task<List<JsonElement>> AuditRecords(string bucket, string tenantId)
    {
        var listed = await aws.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = $"audit/{tenantId}/" });
        var records = new List<JsonElement>();
        foreach (var o in listed.S3Objects ?? [])
        {
            Assert.Matches($@"^audit/{tenantId}/\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/[^/]+-\d{{8}}\.ndjson$", o.Key);
            using var response = await aws.S3.GetObjectAsync(bucket, o.Key);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                using var document = JsonDocument.Parse(line);
                records.Add(document.RootElement.Clone());
            }
        }

        return records;
    }
}
