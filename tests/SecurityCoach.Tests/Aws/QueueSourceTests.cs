using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using Microsoft.Extensions.Options;
using SecurityCoach.Silo.Sources;
using SecurityCoach.Tests.Http;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// Cloud-native sources: the real silo program (Local profile) reading queues of fauxqs — vendor payloads as message
/// bodies, and S3 objects announced by event notifications — through the same ingest pipeline as the HTTP endpoint.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class QueueSourceTests(LocalAwsFixture aws)
{
    private const string Secret = "queue-source-secret-1";

    [Fact]
    public async Task A_vendor_payload_in_a_queue_is_scored_coached_and_deleted()
    {
        var queueUrl = await NewQueueAsync("cs");
        var tenantId = NewTenantId();
        await using var silo = await StartAsync(new Source(queueUrl, "crowdstrike", tenantId));
        var (client, hook) = await TenantWithCampaignAsync(silo, tenantId);

        await aws.Sqs.SendMessageAsync(queueUrl, VendorSamples.CrowdStrikeDetection("jdoe@example.com", "ldt:q:1"));

        var delivered = Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(30), "tip for the queued detection"));
        Assert.Equal("ldt:q:1", delivered.Body.GetProperty("eventId").GetString());
        var user = await UserAsync(client, tenantId, "jdoe@example.com", u => u.GetProperty("eventCount").GetInt32() == 1);
        Assert.Equal(12, user.GetProperty("riskScore").GetDouble(), precision: 3);
        await QueueDrainedAsync(queueUrl, "the ingested message is deleted");
    }

    [Fact]
    public async Task A_message_that_arrives_before_its_tenant_exists_waits_in_the_queue_until_it_does()
    {
        var queueUrl = await NewQueueAsync("early");
        var tenantId = NewTenantId();
        await using var silo = await StartAsync(new Source(queueUrl, "crowdstrike", tenantId) { MaxReceiveCount = 1, VisibilityTimeoutSeconds = 1 });
        await aws.Sqs.SendMessageAsync(queueUrl, VendorSamples.CrowdStrikeDetection("jdoe@example.com", "ldt:early:1"));
        // Received at least once with no tenant: a receive limit of 1 would have dropped it, were it counted as unusable.
        await Eventually.Until(() => InFlightAsync(queueUrl), count => count >= 1, "the message received while the tenant is missing", TimeSpan.FromSeconds(30));

        var (client, hook) = await TenantWithCampaignAsync(silo, tenantId);

        Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(30), "tip once the tenant exists"));
        await UserAsync(client, tenantId, "jdoe@example.com", u => u.GetProperty("eventCount").GetInt32() == 1);
        await QueueDrainedAsync(queueUrl, "the message is deleted once ingested");
    }

    [Fact]
    public async Task Gzipped_ndjson_objects_announced_by_s3_notifications_are_ingested()
    {
        var queueUrl = await NewQueueAsync("s3");
        var bucket = $"src-{Guid.NewGuid():N}"[..20];
        await aws.S3.PutBucketAsync(bucket);
        var tenantId = NewTenantId();
        await using var silo = await StartAsync(new Source(queueUrl, "netskope", tenantId, "s3-notifications"));
        var (client, hook) = await TenantWithCampaignAsync(silo, tenantId);

        // Netskope log streaming writes gzipped NDJSON; the key is URL-encoded in the notification, a space as '+'.
        var ndjson = string.Join('\n', [
            OneLine(VendorSamples.NetskopeAlert("asmith@example.com", "ns-1")),
            OneLine(VendorSamples.NetskopeAlert("bjones@example.com", "ns-2"))]) + "\n";
        const string key = "alerts/2026/01/01/batch 1.ndjson.gz";
        await PutGzipAsync(bucket, key, ndjson);
        await aws.Sqs.SendMessageAsync(queueUrl, S3Notification(bucket, "alerts/2026/01/01/batch+1.ndjson.gz"));
        // The same notification wrapped by SNS (bucket → topic → queue) for a second, plain (not gzipped) object.
        await aws.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "alerts/plain.json", ContentBody = VendorSamples.NetskopeAlert("cdoe@example.com", "ns-3") });
        await aws.Sqs.SendMessageAsync(queueUrl, JsonSerializer.Serialize(new { Type = "Notification", MessageId = "m-1", Message = S3Notification(bucket, "alerts/plain.json") }));

        var tips = await silo.Webhooks.WaitForAsync(hook, 3, TimeSpan.FromSeconds(30), "tips for the three alerts in S3");
        Assert.Equal(["ns-1", "ns-2", "ns-3"], tips.Select(t => t.Body.GetProperty("eventId").GetString()).Order(StringComparer.Ordinal));
        foreach (var user in new[] { "asmith@example.com", "bjones@example.com", "cdoe@example.com" })
        {
            await UserAsync(client, tenantId, user, u => u.GetProperty("eventCount").GetInt32() == 1);
        }

        await QueueDrainedAsync(queueUrl, "both notifications are deleted");
    }

    [Fact]
    public async Task The_same_message_delivered_twice_is_scored_once()
    {
        var queueUrl = await NewQueueAsync("dup");
        var tenantId = NewTenantId();
        await using var silo = await StartAsync(new Source(queueUrl, "crowdstrike", tenantId));
        var (client, hook) = await TenantWithCampaignAsync(silo, tenantId);

        var body = VendorSamples.CrowdStrikeDetection("jdoe@example.com", "ldt:dup:1");
        await aws.Sqs.SendMessageAsync(queueUrl, body);
        await aws.Sqs.SendMessageAsync(queueUrl, body);
        await QueueDrainedAsync(queueUrl, "both copies ingested and deleted");
        // A marker sent after both copies were published: once it is counted, the user's stream has passed the copies.
        await aws.Sqs.SendMessageAsync(queueUrl, VendorSamples.CrowdStrikeDetection("jdoe@example.com", "ldt:dup:2"));

        var user = await UserAsync(client, tenantId, "jdoe@example.com", u => u.GetProperty("coachings").GetArrayLength() == 2
            && u.GetProperty("coachings").EnumerateArray().All(c => c.GetProperty("status").GetString() == "Delivered"));
        Assert.Equal(2, user.GetProperty("eventCount").GetInt32());
        Assert.Equal(24, user.GetProperty("riskScore").GetDouble(), precision: 3);
        Assert.Equal(["ldt:dup:1", "ldt:dup:2"], silo.Webhooks.ReceivedAt(hook).Select(t => t.Body.GetProperty("eventId").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_message_that_cannot_be_ingested_is_deleted_after_the_receive_limit_while_others_flow()
    {
        var queueUrl = await NewQueueAsync("bad");
        var tenantId = NewTenantId();
        await using var silo = await StartAsync(new Source(queueUrl, "crowdstrike", tenantId) { MaxReceiveCount = 2, VisibilityTimeoutSeconds = 1 });
        var (client, hook) = await TenantWithCampaignAsync(silo, tenantId);

        await aws.Sqs.SendMessageAsync(queueUrl, "{\"metadata\": not json");
        await aws.Sqs.SendMessageAsync(queueUrl, """{"metadata":{"eventType":"EPPDetectionSummaryEvent"},"event":{"DetectId":"ldt:nouser"}}""");
        await aws.Sqs.SendMessageAsync(queueUrl, VendorSamples.CrowdStrikeDetection("jdoe@example.com", "ldt:good:1"));

        Assert.Single(await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(30), "the good message still flows"));
        await QueueDrainedAsync(queueUrl, "the two unusable messages are deleted after two receives");
        var user = await UserAsync(client, tenantId, "jdoe@example.com", u => u.GetProperty("eventCount").GetInt32() == 1);
        Assert.Equal(12, user.GetProperty("riskScore").GetDouble(), precision: 3);
        var unmapped = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/unmapped");
        Assert.Equal(0, unmapped.GetProperty("events").GetInt32());
    }

    [Fact]
    public void Source_settings_are_checked_naming_each_mistake()
    {
        var options = new QueueSourcesOptions();
        options.Sources.Add(new QueueSourceOptions { QueueUrl = "http://127.0.0.1:4566/000000000000/ok", Vendor = "CrowdStrike", TenantId = "acme" });
        options.Sources.Add(new QueueSourceOptions { QueueUrl = null, Vendor = "fortinet", TenantId = "Acme_Corp", Kind = "s3", Receivers = 0, WaitTimeSeconds = 21 });

        var result = new QueueSourcesOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Collection(result.Failures!,
            f => Assert.StartsWith("SecurityCoach:Ingest:Sources:1:QueueUrl must be the queue's URL", f, StringComparison.Ordinal),
            f => Assert.StartsWith("SecurityCoach:Ingest:Sources:1:Vendor 'fortinet' is not a vendor; use one of crowdstrike, ", f, StringComparison.Ordinal),
            f => Assert.StartsWith("SecurityCoach:Ingest:Sources:1:TenantId 'Acme_Corp' is not a tenant id", f, StringComparison.Ordinal),
            f => Assert.StartsWith("SecurityCoach:Ingest:Sources:1:Kind 's3' must be", f, StringComparison.Ordinal),
            f => Assert.StartsWith("SecurityCoach:Ingest:Sources:1:Receivers must be", f, StringComparison.Ordinal),
            f => Assert.StartsWith("SecurityCoach:Ingest:Sources:1:WaitTimeSeconds must be", f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_object_larger_than_one_ingest_body_is_ingested_in_chunks_of_whole_lines()
    {
        var queueUrl = await NewQueueAsync("big");
        var bucket = $"big-{Guid.NewGuid():N}"[..20];
        await aws.S3.PutBucketAsync(bucket);
        var tenantId = NewTenantId();
        var settings = Settings(new Source(queueUrl, "netskope", tenantId, "s3-notifications"));
        // Not this test's subject: the tenant's rate limit would only slow the 3,000 events down.
        settings["SecurityCoach:Ingest:RateLimit:EventsPerSecond"] = "0";
        await using var silo = new SiloFactory(settings);
        await ((IAsyncLifetime)silo).InitializeAsync();
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/v1/tenants", new { tenantId, name = "Big" })).StatusCode);

        // 3,000 alerts for 15 users, several times the test silo's 256 KiB ingest body, gzipped.
        const int events = 3_000, users = 15;
        var ndjson = string.Join('\n', Enumerable.Range(0, events).Select(i => OneLine(VendorSamples.NetskopeAlert($"user{i % users}@example.com", $"big-{i}")))) + "\n";
        Assert.True(Encoding.UTF8.GetByteCount(ndjson) > 2 * SiloFactory.MaxIngestBodyBytes);
        await PutGzipAsync(bucket, "streaming/big.ndjson.gz", ndjson);
        await aws.Sqs.SendMessageAsync(queueUrl, S3Notification(bucket, "streaming/big.ndjson.gz"));

        await QueueDrainedAsync(queueUrl, "the notification is deleted once every chunk is in");
        var counts = await Eventually.Until(
            async () =>
            {
                long sum = 0;
                for (var u = 0; u < users; u++)
                {
                    using var response = await admin.GetAsync($"/v1/tenants/{tenantId}/users/user{u}@example.com");
                    sum += response.StatusCode == HttpStatusCode.OK ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventCount").GetInt64() : 0;
                }

                return sum;
            },
            sum => sum == events, "every event of the large object scored", TimeSpan.FromSeconds(60));
        Assert.Equal(events, counts);
    }

    [Fact]
    public async Task A_silo_with_an_unknown_source_vendor_does_not_start()
    {
        var settings = Settings(new Source("http://127.0.0.1:1/000000000000/q", "fortinet", "acme"));
        await using var silo = new SiloFactory(settings);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)silo).InitializeAsync());

        var validation = Assert.IsType<OptionsValidationException>(Innermost(error, e => e is OptionsValidationException));
        Assert.Contains("SecurityCoach:Ingest:Sources:0:Vendor 'fortinet' is not a vendor", validation.Message, StringComparison.Ordinal);
    }

    private sealed record Source(string QueueUrl, string Vendor, string TenantId, string Kind = "messages")
    {
        public int MaxReceiveCount { get; init; } = 5;

        public int? VisibilityTimeoutSeconds { get; init; }
    }

    private Dictionary<string, string> Settings(Source source)
    {
        var settings = new Dictionary<string, string>
        {
            ["AWS:Region"] = LocalAwsFixture.Region,
            ["AWS:SQS:ServiceURL"] = aws.SqsServiceUrl.ToString(),
            ["AWS:S3:ServiceURL"] = aws.S3ServiceUrl.ToString(),
            ["SecurityCoach:Ingest:Sources:0:QueueUrl"] = source.QueueUrl,
            ["SecurityCoach:Ingest:Sources:0:Vendor"] = source.Vendor,
            ["SecurityCoach:Ingest:Sources:0:TenantId"] = source.TenantId,
            ["SecurityCoach:Ingest:Sources:0:Kind"] = source.Kind,
            // Short polls, so the silo stops quickly at the end of a test.
            ["SecurityCoach:Ingest:Sources:0:WaitTimeSeconds"] = "1",
            ["SecurityCoach:Ingest:Sources:0:MaxReceiveCount"] = source.MaxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (source.VisibilityTimeoutSeconds is { } visibility)
        {
            settings["SecurityCoach:Ingest:Sources:0:VisibilityTimeoutSeconds"] = visibility.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return settings;
    }

    private async Task<SiloFactory> StartAsync(Source source)
    {
        var silo = new SiloFactory(Settings(source));
        await ((IAsyncLifetime)silo).InitializeAsync();
        return silo;
    }

    private static string NewTenantId() => $"src-{Guid.NewGuid():N}"[..20];

    private async Task<string> NewQueueAsync(string name) =>
        (await aws.Sqs.CreateQueueAsync($"source-{name}-{Guid.NewGuid():N}"[..40])).QueueUrl;

    /// <summary>The tenant the source names (created after the silo: the source waits for it), with a malware campaign.</summary>
    private static async Task<(HttpClient Client, string Hook)> TenantWithCampaignAsync(SiloFactory silo, string tenantId)
    {
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        using var created = await admin.PostAsJsonAsync("/v1/tenants", new { tenantId, name = "Source " + tenantId });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString();
        var client = silo.ClientWithKey(key);
        var hook = silo.Webhooks.NewHook(Secret);
        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":12,"tip":{"title":"Malware","body":"Careful."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"{{Secret}}"}]}
            """;
        using var put = await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", new StringContent(campaign, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (client, hook);
    }

    private static Task<JsonElement> UserAsync(HttpClient client, string tenantId, string userKey, Func<JsonElement, bool> done) =>
        Eventually.Until(
            async () =>
            {
                using var response = await client.GetAsync($"/v1/tenants/{tenantId}/users/{userKey}");
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            },
            u => u.ValueKind == JsonValueKind.Object && done(u),
            $"user {userKey} of {tenantId}", TimeSpan.FromSeconds(30));

    private async Task QueueDrainedAsync(string queueUrl, string phase) =>
        await Eventually.Until(
            async () =>
            {
                var attributes = (await aws.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
                {
                    QueueUrl = queueUrl,
                    AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                })).Attributes;
                return int.Parse(attributes["ApproximateNumberOfMessages"], System.Globalization.CultureInfo.InvariantCulture)
                    + int.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], System.Globalization.CultureInfo.InvariantCulture);
            },
            count => count == 0, $"{phase} ({queueUrl})", TimeSpan.FromSeconds(30));

    /// <summary>Messages received and not yet deleted nor visible again, read without receiving any.</summary>
    private async Task<int> InFlightAsync(string queueUrl)
    {
        var attributes = (await aws.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = ["ApproximateNumberOfMessagesNotVisible"],
        })).Attributes;
        return int.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task PutGzipAsync(string bucket, string key, string content)
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(content));
        }

        compressed.Position = 0;
        await aws.S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = compressed });
    }

    private static string OneLine(string json) => json.ReplaceLineEndings(" ");

    private static string S3Notification(string bucket, string encodedKey) => JsonSerializer.Serialize(new
    {
        Records = new[]
        {
            new
            {
                eventVersion = "2.1",
                eventSource = "aws:s3",
                eventName = "ObjectCreated:Put",
                s3 = new { bucket = new { name = bucket }, @object = new { key = encodedKey, size = 1 } },
            },
        },
    });

    private static Exception Innermost(Exception error, Func<Exception, bool> match)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (match(e))
            {
                return e;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                return Innermost(aggregate.InnerExceptions[0], match);
            }
        }

        return error;
    }
}
