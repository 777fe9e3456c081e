using Orleans.Storage;
using SecurityCoach.Coaching;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Pipeline;

namespace SecurityCoach.Tests.Coaching;

/// <summary>
/// A coaching whose record another activation wrote meanwhile (Orleans can run two for a moment while the cluster
/// changes) loses its write and starts over from the stored record; the channels that accepted the tip are kept in
/// that record, so the tip is not sent again.
/// </summary>
public sealed class ConcurrentWriterTests
{
    private const string Secret = "s3cret-s3cret-s3cret";
    private const string UserKey = "stale-writer@example.com";

    [Fact]
    public async Task A_coaching_that_lost_its_write_after_delivering_does_not_deliver_again_when_it_resumes()
    {
        await using var silo = await WrappedStorageCluster.StartAsync<SiloConfigurator>();
        var tenantId = TestEvents.NewTenantId();
        var hook = silo.Webhooks.NewHook(Secret);
        var coaching = silo.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, "stale-1"));

        await coaching.Start(new CoachingRequest(tenantId, UserKey, "malware", 1, new CoachingTip("Malware stopped", "Be careful."),
            [new ChannelDefinition("webhook", hook, Secret)], TestEvents.Detection(tenantId, UserKey, "evt-stale-1"), DeliveryLimit: null, TestMode: false));

        // The first run delivers, and its write of the end meets the other activation's older record: it starts
        // over from that record (the grain deactivates), which now lists the webhook as delivered.
        await silo.Webhooks.WaitForAsync(hook, 1, TimeSpan.FromSeconds(30), "first delivery");
        await Eventually.Until(() => Task.FromResult(StaleWriterStorage.Conflicts), n => n == 1, "the injected conflict", TimeSpan.FromSeconds(30));
        // Nobody would wake it before its user's next watch tick; the test stands in for that tick.
        var view = await Eventually.Until(
            async () =>
            {
                await coaching.Watch();
                return await coaching.GetView();
            },
            v => v is { Summary.Status: CoachingStatus.Delivered },
            "the resumed run ends Delivered", TimeSpan.FromSeconds(30));

        Assert.Single(silo.Webhooks.ReceivedAt(hook));
        Assert.Equal(CoachingStatus.Delivered, view!.Summary.Status);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(silo.Webhooks.ReceivedAt(hook));
    }

    /// <summary>
    /// In-process storage that, on the first write of an ended coaching of <see cref="UserKey"/>, writes first what
    /// another activation still holds — the record as it was stored before — so the real write meets a newer ETag.
    /// </summary>
    private sealed class StaleWriterStorage(IGrainStorage inner) : DelegatingGrainStorage(inner)
    {
        private static int _conflicts;

        public static int Conflicts => Volatile.Read(ref _conflicts);

        public override async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (grainState.State is CoachingState { Status: not CoachingStatus.Pending, Request.UserKey: UserKey }
                && Interlocked.CompareExchange(ref _conflicts, 1, 0) == 0)
            {
                var older = new GrainState<T>();
                await Inner.ReadStateAsync(stateName, grainId, older);
                older.ETag = grainState.ETag;
                await Inner.WriteStateAsync(stateName, grainId, older);
            }

            await Inner.WriteStateAsync(stateName, grainId, grainState);
        }
    }

    private sealed class SiloConfigurator : WrappedStorageSiloConfigurator
    {
        protected override IGrainStorage Wrap(IGrainStorage inProcess) => new StaleWriterStorage(inProcess);
    }
}
