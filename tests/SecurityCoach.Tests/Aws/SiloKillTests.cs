using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.TestingHost;
using SecurityCoach.Providers.Aws.Hosting;
using SecurityCoach.Providers.Aws.Streaming;
using SecurityCoach.Silo;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Pipeline;
using Xunit.Abstractions;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// Three silos on our providers only — DynamoDB membership (no test membership), grain state and reminders, SQS
/// streams with the user grains writing behind them (as the AWS profiles run) — running the SecurityCoach grains; one
/// silo is killed while events stream in.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SiloKillTests(LocalAwsFixture aws, ITestOutputHelper output)
{
    private const int Users = 200;
    private const int Events = 2000;
    private const int Concurrency = 16;
    private const string Secret = "kill-secret-0123456789";

    /// <summary>The membership table stores the status as its number.</summary>
    private static readonly string Dead = ((int)SiloStatus.Dead).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_silo_killed_during_ingest_loses_no_event_scores_each_once_coaches_each_once_and_is_declared_dead()
    {
        await using var webhooks = await WebhookReceiver.StartAsync();
        var builder = ClusterBuilder(maxAttempts: 4);
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            var tenantId = TestEvents.NewTenantId();
            var tenant = cluster.Client.GetGrain<ITenantGrain>(tenantId);
            Assert.Equal(TenantCreation.Created, await tenant.Create("Kill", Api.Auth.ApiKeys.Hash("kill key")));
            var hook = webhooks.NewHook(Secret);
            var campaign = new CampaignDefinition("Malware", """{"class_uid":[2004]}""", 1, new CoachingTip("Malware stopped", "Be careful."),
                [new ChannelDefinition("webhook", hook, Secret)], null, false);
            var put = await tenant.PutCampaign("malware", campaign);
            Assert.Empty(put.Errors);

            var provider = cluster.Client.GetStreamProvider(SecurityEventStreams.ProviderName);
            Task PublishRange(int from, int to) => Publish(provider, tenantId, from, to);

            await PublishRange(0, Events / 2);
            var victim = cluster.SecondarySilos[0];
            var victimName = victim.SiloAddress.ToString();
            await cluster.KillSiloAsync(victim);
            var killedAt = DateTimeOffset.UtcNow;
            await PublishRange(Events / 2, Events);

            var counts = await Eventually.Until(
                () => EventCounts(cluster, tenantId),
                c => c >= Events,
                "every event scored", TimeSpan.FromSeconds(90));
            // A coaching that was running on the killed silo resumes at its user's next watch tick on a survivor: up to
            // the watch period (1 min) after the death is noticed, which a wait of one minute from here could miss.
            await webhooks.WaitForAsync(hook, Events, TimeSpan.FromMinutes(2), "every event coached");
            // Redeliveries of what the killed silo had received have had their visibility timeout to come back.
            await Task.Delay(TimeSpan.FromSeconds(6));
            counts = await EventCounts(cluster, tenantId);
            var received = webhooks.ReceivedAt(hook);
            var byKey = received.GroupBy(w => w.IdempotencyKey).ToList();
            var duplicates = byKey.Where(g => g.Count() > 1).ToList();
            output.WriteLine($"{Events} events: scored {counts}, webhooks {received.Count}, coaching ids delivered more than once {duplicates.Count}");
            foreach (var d in duplicates)
            {
                output.WriteLine($"  {d.Key}: {string.Join(", ", d.Select(w => $"{(w.At - killedAt).TotalMilliseconds:+0;-0} ms from the kill by {(w.Sender == victimName ? "the killed silo" : w.Sender)}"))}");
            }

            Assert.Equal(Events, counts);
            Assert.Equal(Events, byKey.Count);
            Assert.All(byKey, g => Assert.Single(g.Select(w => w.Body.GetProperty("eventId").GetString()).Distinct()));
            // Delivery is at least once: a coaching grain that posted its webhook and died before recording it posts
            // again from its next activation, with the same Idempotency-Key for the receiver to drop. Only that is
            // allowed: one request from the killed silo and one from a survivor. Two from survivors would be a
            // duplicate activation.
            Assert.All(received, w => Assert.NotNull(w.Sender));
            Assert.All(duplicates, g =>
            {
                Assert.True(g.Count(w => w.Sender == victimName) == 1 && g.Count(w => w.Sender != victimName) == 1,
                    $"{g.Key} delivered by {string.Join(", ", g.Select(w => w.Sender))}: a second delivery is allowed only of what the killed silo ({victimName}) had sent");
            });

            var active = await Eventually.Until(
                () => cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true),
                hosts => hosts.Count == 2,
                "two active silos", TimeSpan.FromSeconds(60));
            Assert.DoesNotContain(victim.SiloAddress, active.Keys);
            var row = await Eventually.Until(
                () => MembershipRow(builder.Properties["LocalAws:Table"] + "-silos", builder.Options.ClusterId, victim.SiloAddress),
                r => r is not null && r["Status"].N == Dead,
                "killed silo declared dead in the membership table", TimeSpan.FromSeconds(30));
            Assert.Equal(Dead, row!["Status"].N);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_coaching_whose_silo_dies_between_retries_resumes_on_another_silo_and_delivers_exactly_once()
    {
        await using var webhooks = await WebhookReceiver.StartAsync();
        var cluster = ClusterBuilder(maxAttempts: 30).Build();
        try
        {
            await cluster.DeployAsync();
            var tenantId = TestEvents.NewTenantId();
            var tenant = cluster.Client.GetGrain<ITenantGrain>(tenantId);
            Assert.Equal(TenantCreation.Created, await tenant.Create("Crash", Api.Auth.ApiKeys.Hash("crash key")));
            var hook = webhooks.NewHook(Secret);
            const int failures = 6;
            webhooks.Script(hook, Enumerable.Repeat(503, failures).ToArray());
            Assert.Empty((await tenant.PutCampaign("malware", new CampaignDefinition("Malware", """{"class_uid":[2004]}""", 1,
                new CoachingTip("Malware stopped", "Be careful."), [new ChannelDefinition("webhook", hook, Secret)], null, false))).Errors);

            // The event enters at the stream, as ingest publishes it: the user grain starts the coaching and watches it.
            var user = cluster.Client.GetGrain<IUserGrain>(GrainKeys.User(tenantId, "crash@example.com"));
            await cluster.Client.GetStreamProvider(SecurityEventStreams.ProviderName)
                .GetStream<SecurityEventBatch>(SecurityEventStreams.ForUser(tenantId, "crash@example.com"))
                .OnNextAsync(new SecurityEventBatch([TestEvents.Detection(tenantId, "crash@example.com", "evt-crash")]));
            var started = await Eventually.Until(() => user.GetView(), v => v is { Coachings.Length: 1 }, "coaching started", TimeSpan.FromSeconds(30));
            var coachingId = started!.Coachings[0].CoachingId;
            var coaching = cluster.Client.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId));

            // In the middle of its retries: two attempts failed, the next is scheduled on the grain's timer.
            await webhooks.WaitForAsync(hook, 2, TimeSpan.FromSeconds(30), "two failed attempts");
            var host = await cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(coaching);
            var victim = cluster.Silos.Single(s => s.SiloAddress.Equals(host));
            await cluster.KillSiloAsync(victim);
            var killedAt = DateTimeOffset.UtcNow;

            // Nobody calls the coaching: its user grain's watch reminder brings it back on a survivor, which resumes
            // from the persisted state.
            var received = await webhooks.WaitForAsync(hook, failures + 1, TimeSpan.FromMinutes(3), "delivery after the crash");
            // The 200 is answered before the grain records it: read the view once it has.
            var view = await Eventually.Until(() => coaching.GetView(), v => v is { Summary.Status: not CoachingStatus.Pending }, "delivery recorded", TimeSpan.FromSeconds(30));
            // Who delivered: the activation may already have ended and gone.
            var resumedOn = received.Single(r => r.AnsweredStatus == 200).Sender;
            output.WriteLine($"killed {victim.SiloAddress} at attempt 2; resumed on {resumedOn}; delivered {(received[^1].At - killedAt).TotalSeconds:0.0} s after the kill; " +
                $"{received.Count} requests, {view!.Summary.Attempts} attempts recorded");

            Assert.NotEqual(victim.SiloAddress.ToString(), resumedOn);
            Assert.Equal(CoachingStatus.Delivered, view.Summary.Status);
            Assert.Single(received, r => r.AnsweredStatus == 200);
            Assert.Equal([coachingId], received.Select(r => r.IdempotencyKey).Distinct());
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(received.Count, webhooks.ReceivedAt(hook).Count);
            // The history holds every attempt the grain recorded, numbered without a gap. An attempt the killed silo
            // made before it could record it is made again by the survivor: that one request, and only it, may be in
            // the receiver's log and not in the history.
            Assert.Equal(Enumerable.Range(1, view.Summary.Attempts), view.History.Select(a => a.Number));
            var unrecorded = received.Count - view.Summary.Attempts;
            Assert.InRange(unrecorded, 0, 1);
            Assert.All(received, r => Assert.Contains(r.Sender, new[] { victim.SiloAddress.ToString(), resumedOn }));
            Assert.True(received.Count(r => r.Sender == resumedOn) <= view.Summary.Attempts, "every attempt of the survivor is recorded");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_killed_while_its_users_hold_batches_not_yet_written_loses_none_of_them_and_scores_each_once()
    {
        var cluster = ClusterBuilder(maxAttempts: 4).Build();
        try
        {
            await cluster.DeployAsync();
            // No campaign: no batch starts a coaching, so every one is written behind the stream, at the next confirmation.
            var tenantId = TestEvents.NewTenantId();
            Assert.Equal(TenantCreation.Created, await cluster.Client.GetGrain<ITenantGrain>(tenantId).Create("Behind", Api.Auth.ApiKeys.Hash("behind key")));
            var provider = cluster.Client.GetStreamProvider(SecurityEventStreams.ProviderName);
            // Activated from the client, so users spread over the silos whatever silo reads their queue: the killed
            // silo holds unwritten batches whose messages survivors hold, and survivors must not delete those.
            await EventCounts(cluster, tenantId);

            await Publish(provider, tenantId, 0, Events / 2);
            // At once: the victim's users hold what they were delivered in memory, its messages still unconfirmed.
            await cluster.KillSiloAsync(cluster.SecondarySilos[0]);
            await Publish(provider, tenantId, Events / 2, Events);

            await Eventually.Until(() => EventCounts(cluster, tenantId), c => c >= Events, "every event scored", TimeSpan.FromSeconds(90));
            // Unconfirmed messages of the killed silo have had their visibility timeout to come back.
            await Task.Delay(TimeSpan.FromSeconds(8));
            var counts = await EventCounts(cluster, tenantId);
            output.WriteLine($"{Events} events: counted {counts}");
            Assert.Equal(Events, counts);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task Publish(Orleans.Streams.IStreamProvider provider, string tenantId, int from, int to)
    {
        using var gate = new SemaphoreSlim(Concurrency);
        var sends = new List<Task>();
        for (var n = from; n < to; n++)
        {
            await gate.WaitAsync();
            var user = $"user{n % Users}";
            var e = TestEvents.Detection(tenantId, user, $"kill-{n}");
            sends.Add(provider.GetStream<SecurityEventBatch>(SecurityEventStreams.ForUser(tenantId, user))
                .OnNextAsync(new SecurityEventBatch([e]))
                .ContinueWith(t => { gate.Release(); t.GetAwaiter().GetResult(); }, TaskScheduler.Default));
        }

        await Task.WhenAll(sends);
    }

    /// <summary>Three silos on our providers, with their own tables and queues; retries 500 ms apart (2 s of workflow time, clock ×4).</summary>
    private TestClusterBuilder ClusterBuilder(int maxAttempts)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var builder = new TestClusterBuilder(3);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = $"kill-{run}";
        builder.Options.ServiceId = $"kill-{run}";
        builder.Properties["LocalAws:DynamoDB"] = aws.DynamoDBServiceUrl.ToString();
        builder.Properties["LocalAws:Table"] = $"kill-{run}";
        builder.Properties["AWS:Region"] = LocalAwsFixture.Region;
        builder.Properties["AWS:SQS:ServiceURL"] = aws.SqsServiceUrl.ToString();
        builder.Properties["AWS:SQS:QueueNamePrefix"] = $"kill-{run}";
        builder.Properties["AWS:SQS:QueueCount"] = "6";
        // Short, so what the killed silo had received comes back to the survivors within seconds.
        builder.Properties["AWS:SQS:VisibilityTimeout"] = "00:00:05";
        builder.Properties["AWS:SQS:ReceiveWaitTime"] = "00:00:01";
        builder.Properties["AWS:SQS:CreateIfNotExists"] = "true";
        builder.Properties["SecurityCoach:Coaching:RetryIntervalSeconds"] = "2";
        builder.Properties["SecurityCoach:Coaching:RetryBackoffRate"] = "1";
        builder.Properties["SecurityCoach:Coaching:WorkflowClockRate"] = "4";
        builder.Properties["SecurityCoach:Outbound:AllowedNetworks:0"] = "127.0.0.0/8";
        // One master key for all the cluster's silos, so a secret sealed on one opens on another.
        builder.Properties["SecurityCoach:Secrets:LocalKey"] = ClusterFixture.SecretsKey;
        builder.Properties["SecurityCoach:Coaching:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        return builder;
    }

    private static async Task<long> EventCounts(TestCluster cluster, string tenantId)
    {
        long sum = 0;
        for (var u = 0; u < Users; u++)
        {
            var view = await cluster.Client.GetGrain<IUserGrain>(GrainKeys.User(tenantId, $"user{u}")).GetView();
            sum += view?.EventCount ?? 0;
        }

        return sum;
    }

    private async Task<Dictionary<string, AttributeValue>?> MembershipRow(string table, string clusterId, SiloAddress silo)
    {
        var item = await aws.DynamoDB.GetItemAsync(new GetItemRequest
        {
            TableName = table,
            Key = new()
            {
                ["PK"] = new AttributeValue { S = clusterId },
                ["SK"] = new AttributeValue { S = $"{silo.Endpoint.Address}:{silo.Endpoint.Port}@{silo.Generation}" },
            },
            ConsistentRead = true,
        });
        return item.Item is { Count: > 0 } found ? found : null;
    }

    private static void Local(DynamoDBProviderOptions options, IConfiguration configuration, string table)
    {
        options.ServiceURL = configuration["LocalAws:DynamoDB"];
        options.Region = LocalAwsFixture.Region;
        options.Credentials = LocalAwsFixture.Credentials;
        options.TableName = table;
        options.CreateIfNotExists = true;
    }

    private static void Sqs(SqsStreamOptions options, IConfiguration configuration) =>
        options.ReadConfiguration(configuration).Credentials = LocalAwsFixture.Credentials;

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = siloBuilder.Configuration;
            var table = configuration["LocalAws:Table"]!;
            siloBuilder.UseDynamoDBClustering(o => Local(o, configuration, $"{table}-silos"));
            siloBuilder.AddDynamoDBGrainStorageAsDefault(o => Local(o, configuration, $"{table}-state"));
            siloBuilder.UseDynamoDBReminderService(o => Local(o, configuration, $"{table}-reminders"));
            siloBuilder.AddSqsStreams(SecurityEventStreams.ProviderName, streams =>
            {
                streams.ConfigureSqs(options => options.Configure(o => Sqs(o, configuration)));
                streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
                streams.WriteUsersBehind();
            });
            // Declared dead within seconds of its death, not the default half minute.
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            siloBuilder.Services.AddSecurityCoachGrains(configuration);
            KilledSiloSendsNothing.AddTo(siloBuilder.Services, configuration["LocalAws:DynamoDB"]!);
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.UseDynamoDBClustering(o => Local(o, configuration, $"{configuration["LocalAws:Table"]}-silos"));
            clientBuilder.AddSqsStreams(SecurityEventStreams.ProviderName, streams =>
            {
                streams.ConfigureSqs(options => options.Configure(o => Sqs(o, configuration)));
                streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
            });
        }
    }
}
