using System.Text;
using SecurityCoach.Identities;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Pipeline;

/// <summary>The unmapped-events grain in a real two-silo cluster: concurrent ingest calls, limits, replay to several users.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UnmappedEventsTests(ClusterFixture fixture)
{
    private static SecurityEvent Event(string tenantId, string identity, string eventId, IdentityKind kind = IdentityKind.Account, int padding = 0)
    {
        var json = $$"""{"class_uid":2004,"finding_info":{"title":"Known Malware"},"pad":"{{new string('x', padding)}}","tenant_id":"{{tenantId}}","user_key":"{{identity.Replace("\\", "\\\\", StringComparison.Ordinal)}}"}""";
        return new SecurityEvent(tenantId, identity, eventId, 1767225600000, "crowdstrike", Encoding.UTF8.GetBytes(json)) { IdentityKind = kind };
    }

    private IUnmappedEventsGrain Unmapped(string tenantId) => fixture.Grains.GetGrain<IUnmappedEventsGrain>(tenantId);

    [Fact]
    public async Task Concurrent_calls_share_writes_and_every_event_survives_a_deactivation()
    {
        var tenantId = TestEvents.NewTenantId();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(n => Unmapped(tenantId).Add([Event(tenantId, $@"corp\user{n % 20}", $"evt-{n}")])));

        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var view = await Unmapped(tenantId).List();
        Assert.Equal(40, view.Events);
        Assert.Equal(20, view.Identities.Length);
        Assert.All(view.Identities, i => Assert.Equal((2L, 2), (i.Count, i.Kept)));
    }

    [Fact]
    public async Task The_oldest_identity_gives_way_when_the_kept_bytes_are_over_the_limit()
    {
        var tenantId = TestEvents.NewTenantId();
        const int size = 60 * 1024;
        var fits = UnmappedEventsGrain.MaxKeptBytes / Event(tenantId, "host-0", "big-0", IdentityKind.Host, size).Json.Length;
        for (var n = 0; n <= fits; n++)
        {
            await Unmapped(tenantId).Add([Event(tenantId, $"host-{n}", $"big-{n}", IdentityKind.Host, size)]);
        }

        var view = await Unmapped(tenantId).List();
        Assert.Equal(fits + 1, view.Events);
        Assert.Equal(1, view.NotKept);
        Assert.Equal(0, Assert.Single(view.Identities, i => i.Identity == "host-0").Kept);
        Assert.All(view.Identities.Where(i => i.Identity != "host-0"), i => Assert.Equal(1, i.Kept));
    }

    [Fact]
    public async Task One_mapping_change_replays_each_identity_to_its_own_user()
    {
        var tenantId = TestEvents.NewTenantId();
        await Unmapped(tenantId).Add([Event(tenantId, @"corp\jdoe", "evt-a"), Event(tenantId, "asmith", "evt-b"), Event(tenantId, "laptop-9", "evt-c", IdentityKind.Host)]);

        var put = await fixture.Grains.GetGrain<IUserMappingGrain>(tenantId).Put(
            new UserMappingUpdate([new UserAlias("LAPTOP-9", "kiosk@example.com")], SetsDomain: true, Domain: "example.com"));
        Assert.Empty(put.Errors);
        var replay = await Unmapped(tenantId).Replay();

        Assert.Equal(new ReplayResult(3, 3), replay);
        Assert.Empty((await Unmapped(tenantId).List()).Identities);
        foreach (var (user, eventId) in new[] { ("jdoe@example.com", "evt-a"), ("asmith@example.com", "evt-b"), ("kiosk@example.com", "evt-c") })
        {
            var view = await Eventually.Until(() => fixture.Grains.GetGrain<IUserGrain>(GrainKeys.User(tenantId, user)).GetView(),
                v => v is { EventCount: 1 }, $"{eventId} scored for {user}");
            Assert.Equal(user, view!.UserKey);
        }

        Assert.Equal(new ReplayResult(0, 0), await Unmapped(tenantId).Replay());
    }
}
