using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
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
        var settings = new Dictionary<string, string>
        {
            ["SecurityCoach:Profile"] = "AwsLocal",
            ["AWS:Region"] = LocalAwsFixture.Region,
            ["AWS:DynamoDB:ServiceURL"] = aws.DynamoDBServiceUrl.ToString(),
            ["AWS:SQS:ServiceURL"] = aws.SqsServiceUrl.ToString(),
            ["AWS:S3:ServiceURL"] = aws.S3ServiceUrl.ToString(),
            ["SecurityCoach:Aws:ClusterId"] = $"awslocal-{run}",
            ["SecurityCoach:Aws:GrainStateTable"] = $"state-{run}",
            ["SecurityCoach:Aws:SilosTable"] = $"silos-{run}",
            ["SecurityCoach:Aws:RemindersTable"] = $"reminders-{run}",
            ["SecurityCoach:Aws:QueueNamePrefix"] = $"events-{run}",
            ["SecurityCoach:Aws:QueueCount"] = "2",
            ["SecurityCoach:Aws:Bucket"] = $"securitycoach-{run}",
        };
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

        using var ingest = await client.PostAsync("/v1/ingest/crowdstrike",
            new StringContent(VendorSamples.CrowdStrikeDetection("jdoe", "ldt:aws:1"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(60), "tip delivered through SQS and DynamoDB"));
        Assert.True(delivered.SignatureValid);
        Assert.Equal("On LAPTOP-17.", delivered.Body.GetProperty("tip").GetProperty("body").GetString());
        var user = await Eventually.Until(
            () => client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/jdoe"),
            u => u.GetProperty("coachings").GetArrayLength() == 1 && u.GetProperty("coachings")[0].GetProperty("status").GetString() == "Delivered",
            "user shows the delivered coaching", TimeSpan.FromSeconds(30));
        Assert.Equal(12, user.GetProperty("riskScore").GetDouble(), precision: 3);

        // The state lives in DynamoDB: the user's item is there under the service id.
        var items = await aws.DynamoDB.ScanAsync(new ScanRequest { TableName = $"state-{run}" });
        Assert.Contains(items.Items ?? [], i => i["PK"].S.Contains($"user/{tenantId}/jdoe", StringComparison.Ordinal));
    }
}
