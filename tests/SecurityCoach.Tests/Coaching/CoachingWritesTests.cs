using System.Collections.Concurrent;
using Orleans.Storage;
using SecurityCoach.Coaching;
using SecurityCoach.Coaching.Steps;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Pipeline;

namespace SecurityCoach.Tests.Coaching;

/// <summary>
/// What a happy-path coaching costs its storage (grains/Coaching/README.md, "Persisted when it matters"): one write
/// when it starts and one when it ends. The delivery-limit step's claim is idempotent per coaching, so it is not a
/// reason to write before the delivery; only a second step with an outside effect (a delivery, an alert) is.
/// </summary>
public sealed class CoachingWritesTests
{
    private const string Secret = "s3cret-s3cret-s3cret";

    [Fact]
    public void Only_deliveries_and_the_alert_count_as_steps_with_an_outside_effect()
    {
        Assert.Equal(
            [CoachingSteps.Alert, CoachingSteps.Deliver, CoachingSteps.DeliverEmail, CoachingSteps.DeliverSlack, CoachingSteps.DeliverTeams, CoachingSteps.DeliverWebhook],
            CoachingSteps.WithOutsideEffect.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(CoachingSteps.DeliveryLimit, CoachingSteps.WithOutsideEffect);
    }

    [Fact]
    public async Task A_delivered_coaching_with_a_delivery_limit_writes_its_record_at_the_start_and_at_the_end_only()
    {
        await using var silo = await WrappedStorageCluster.StartAsync<SiloConfigurator>();
        var tenantId = TestEvents.NewTenantId();
        const string userKey = "two-writes@example.com";
        var hook = silo.Webhooks.NewHook(Secret);
        var key = GrainKeys.Coaching(tenantId, "two-writes-1");
        var coaching = silo.Grains.GetGrain<ICoachingGrain>(key);

        await coaching.Start(new CoachingRequest(tenantId, userKey, "malware", 1, new CoachingTip("Malware stopped", "Be careful."),
            [new ChannelDefinition("webhook", hook, Secret)], TestEvents.Detection(tenantId, userKey, "evt-two-writes-1"),
            DeliveryLimit: TimeSpan.FromHours(1), TestMode: false));

        var view = await Eventually.Until(coaching.GetView, v => v is { Summary.Status: CoachingStatus.Delivered }, "the coaching delivered", TimeSpan.FromSeconds(30));
        Assert.Single(silo.Webhooks.ReceivedAt(hook));
        // The delivery-limit step ran before the delivery (and claimed the limit).
        using var trace = System.Text.Json.JsonDocument.Parse(view!.ExecutionHistoryJson);
        Assert.Contains(trace.RootElement.EnumerateArray(), e =>
            e.GetProperty("type").GetString() == "TaskSucceeded" && e.GetProperty("state").GetString() == "DeliveryLimit");
        Assert.Equal(
            [CoachingStatus.Pending, CoachingStatus.Delivered],
            CountingStorage.WritesOf(key));
    }

    /// <summary>In-process storage that remembers, per coaching, the status of every record it wrote.</summary>
    private sealed class CountingStorage(IGrainStorage inner) : DelegatingGrainStorage(inner)
    {
        private static readonly ConcurrentDictionary<string, ConcurrentQueue<CoachingStatus>> Writes = new(StringComparer.Ordinal);

        public static CoachingStatus[] WritesOf(string coachingKey) =>
            Writes.TryGetValue(coachingKey, out var writes) ? [.. writes] : [];

        public override async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            await Inner.WriteStateAsync(stateName, grainId, grainState);
            if (grainState.State is CoachingState coaching)
            {
                Writes.GetOrAdd(grainId.Key.ToString()!, _ => new()).Enqueue(coaching.Status);
            }
        }
    }

    private sealed class SiloConfigurator : WrappedStorageSiloConfigurator
    {
        protected override IGrainStorage Wrap(IGrainStorage inProcess) => new CountingStorage(inProcess);
    }
}
