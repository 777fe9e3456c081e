using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SecurityCoach.Providers.Aws.Streaming;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The operator's dead-letter calls on the real program in the AwsLocal profile, against fauxqs over SQS's wire
/// protocol: a batch in a dead-letter queue is seen, replayed to its queue and then scored and coached; an unreadable
/// one is seen with its problem and dropped. The Local profile has no dead-letter queue and says so.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DeadLetterApiTests(LocalAwsFixture aws)
{
    [Fact]
    public async Task A_dead_letter_is_listed_replayed_and_then_scored_and_an_unreadable_one_is_dropped()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        await using var silo = new SiloFactory(aws.AwsLocalSettings(run));
        await ((IAsyncLifetime)silo).InitializeAsync();
        var (tenantId, key) = await silo.NewTenantAsync("dlq");
        using var client = silo.ClientWithKey(key);
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);
        var hook = silo.Webhooks.NewHook("dead-letter-secret-1");
        var campaign = $$"""
            {"name":"Malware","pattern":{"class_uid":[2004]},"riskWeight":7,"tip":{"title":"Careful","body":"Malware was found."},
             "channels":[{"type":"webhook","url":"{{hook}}","secret":"dead-letter-secret-1"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/v1/tenants/{tenantId}/campaigns/malware", new StringContent(campaign, Encoding.UTF8, "application/json"))).StatusCode);

        // A message as the silo packs it (two users' batches), put where SQS puts one that failed MaxReceiveCount
        // times; and a body no silo can read.
        const string user = "dead@example.com";
        const string other = "also-dead@example.com";
        var options = silo.Services.GetRequiredService<IOptionsMonitor<SqsStreamOptions>>().Get(SecurityEventStreams.ProviderName);
        var codec = new SqsMessageCodec("dead-letter-test", options, silo.Services.GetRequiredService<Orleans.Serialization.Serializer>(), null);
        var evt = new SecurityEvent(tenantId, user, "dl-event-1", 1767225600000, "netskope", """{"class_uid":2004,"time":1767225600000}"""u8.ToArray());
        var otherEvent = evt with { UserKey = other, EventId = "dl-event-2" };
        var body = SqsMessageCodec.PackedBody([
            codec.Serialize(SecurityEventStreams.ForUser(tenantId, user), [new SecurityEventBatch([evt])], null),
            codec.Serialize(SecurityEventStreams.ForUser(tenantId, other), [new SecurityEventBatch([otherEvent])], null)]);
        await aws.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = await Url($"events-{run}-0-dlq"), MessageBody = body });
        await aws.Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = await Url($"events-{run}-1-dlq"), MessageBody = "{\"not\":\"a batch\"}" });

        var listed = await admin.GetFromJsonAsync<JsonElement>("/v1/admin/dead-letters?sample=5");
        Assert.Equal(2, listed.GetProperty("total").GetInt64());
        var queues = listed.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("queue").GetString()!);
        var good = Assert.Single(queues[$"events-{run}-0-dlq"].GetProperty("sample").EnumerateArray());
        Assert.Equal([GrainKeys.User(tenantId, user), GrainKeys.User(tenantId, other)], good.GetProperty("streams").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2, good.GetProperty("events").GetInt32());
        Assert.Equal($"events-{run}-0", queues[$"events-{run}-0-dlq"].GetProperty("source").GetString());
        Assert.Contains("FormatException", Assert.Single(queues[$"events-{run}-1-dlq"].GetProperty("sample").EnumerateArray()).GetProperty("problem").GetString());
        // A look leaves them where they are.
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>("/v1/admin/dead-letters?sample=5")).GetProperty("total").GetInt64());

        using (var replay = await admin.PostAsync("/v1/admin/dead-letters/replay?max=1", null))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());
        }

        var delivered = await silo.Webhooks.WaitForAsync(hook, 2, TimeSpan.FromSeconds(60), "both users of the replayed message coached");
        Assert.Equal(2, delivered.Count);
        Assert.All(delivered, d => Assert.True(d.SignatureValid));
        foreach (var scoredUser in new[] { user, other })
        {
            var scored = await client.GetFromJsonAsync<JsonElement>($"/v1/tenants/{tenantId}/users/{scoredUser}");
            Assert.Equal(1, scored.GetProperty("eventCount").GetInt64());
        }

        using (var drop = await admin.PostAsync("/v1/admin/dead-letters/drop?max=10", null))
        {
            Assert.Equal(1, (await drop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dropped").GetInt32());
        }

        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/v1/admin/dead-letters")).GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.PostAsync("/v1/admin/dead-letters/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/v1/admin/dead-letters")).StatusCode);
    }

    [Fact]
    public async Task The_Local_profile_answers_that_it_keeps_no_dead_letter_queue()
    {
        await using var silo = new SiloFactory();
        await ((IAsyncLifetime)silo).InitializeAsync();
        using var admin = silo.ClientWithKey(SiloFactory.AdminKey);

        using var response = await admin.GetAsync("/v1/admin/dead-letters");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.EndsWith("/no-dead-letter-queue", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
    }

    private async Task<string> Url(string queue) => (await aws.Sqs.GetQueueUrlAsync(queue)).QueueUrl;
}
