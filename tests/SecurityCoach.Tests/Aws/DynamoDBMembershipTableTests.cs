using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using SecurityCoach.Providers.Aws.Clustering;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The membership table contract of Orleans' MembershipTableTestsBase, written here from its scenario list, against
/// DynamoDB Local. Every test uses its own cluster id (its own partition) in one shared table.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDBMembershipTableTests(LocalAwsFixture aws) : IDisposable
{
    private const string Table = "membership-tests";
    private static int s_nextPort = 20000;
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    [Fact]
    public async Task An_empty_table_reads_as_version_zero_with_an_etag()
    {
        var table = await NewTable();

        var data = await table.ReadAllAsync();

        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
        Assert.NotNull(data.Version.VersionEtag);
    }

    [Fact]
    public async Task Silos_initializing_together_create_one_version_row()
    {
        var (table, provider) = await NewTableWithServices();
        var others = Enumerable.Range(0, 4).Select(_ => provider.GetRequiredService<DynamoDBMembershipTable>()).ToList();

        await Task.WhenAll(others.Select(t => t.InitializeMembershipTableAsync(true)));

        var data = await table.ReadAllAsync();
        Assert.Equal(0, data.Version.Version);
        Assert.True(await table.InsertRowAsync(Entry(), data.Version.Next()));
    }

    [Fact]
    public async Task Insert_bumps_the_version_and_refuses_duplicates_and_stale_versions()
    {
        var table = await NewTable();
        var entry = Entry();
        var empty = await table.ReadAllAsync();

        Assert.True(await table.InsertRowAsync(entry, empty.Version.Next()));
        var afterInsert = await table.ReadAllAsync();
        Assert.Equal(1, afterInsert.Version.Version);
        Assert.NotEqual(empty.Version.VersionEtag, afterInsert.Version.VersionEtag);

        Assert.False(await table.InsertRowAsync(entry, afterInsert.Version.Next()));
        Assert.False(await table.InsertRowAsync(Entry(), empty.Version.Next()));

        var row = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Equal(1, row.Version.Version);
        var (read, etag) = Assert.Single(row.Members);
        Assert.Equal(entry.ToFullString(), read.ToFullString());
        Assert.NotNull(etag);
    }

    [Fact]
    public async Task ReadAll_returns_every_inserted_row_and_the_latest_version()
    {
        var table = await NewTable();
        var entries = Enumerable.Range(0, 5).Select(_ => Entry()).ToList();
        foreach (var entry in entries)
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var data = await table.ReadAllAsync();

        Assert.Equal(5, data.Version.Version);
        Assert.Equal(
            entries.Select(e => e.ToFullString()).Order(),
            data.Members.Select(m => m.Item1.ToFullString()).Order());
    }

    [Fact]
    public async Task Update_needs_both_the_row_etag_and_the_version_etag_and_round_trips_every_field()
    {
        var table = await NewTable();
        var entry = Entry();
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var (_, rowETag) = (await table.ReadRowAsync(entry.SiloAddress)).Members[0];
        var stale = (await table.ReadAllAsync()).Version;

        entry.Status = SiloStatus.Active;
        entry.SuspectTimes = [Tuple.Create(Entry().SiloAddress, Trimmed(DateTime.UtcNow)), Tuple.Create(Entry().SiloAddress, Trimmed(DateTime.UtcNow.AddSeconds(-5)))];
        Assert.True(await table.UpdateRowAsync(entry, rowETag, stale.Next()));

        Assert.False(await table.UpdateRowAsync(entry, rowETag, (await table.ReadAllAsync()).Version.Next()));
        var (current, currentETag) = (await table.ReadRowAsync(entry.SiloAddress)).Members[0];
        Assert.False(await table.UpdateRowAsync(entry, currentETag, stale.Next()));

        Assert.Equal(entry.ToFullString(), current.ToFullString());
        Assert.Equal(entry.SuspectTimes.Select(s => (s.Item1, s.Item2)), current.SuspectTimes!.Select(s => (s.Item1, s.Item2)));
        Assert.Equal(2, (await table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task Of_twenty_racing_inserts_exactly_one_wins_and_racing_updates_all_get_through_by_retrying()
    {
        var table = await NewTable();
        var entry = Entry();
        var version = (await table.ReadAllAsync()).Version;

        var inserts = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => table.InsertRowAsync(entry, version.Next())));
        Assert.Single(inserts, won => won);

        await Task.WhenAll(Enumerable.Range(0, 19).Select(async i =>
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                MembershipTableData data;
                try
                {
                    data = await table.ReadAllAsync();
                }
                catch (OrleansException)
                {
                    // ReadAll gave up because the table kept changing under it (bounded retries); the membership
                    // agent would try again on its next refresh, and so does this updater.
                    continue;
                }

                var (row, etag) = data.Members[0];
                row.HostName = $"host-{i}";
                if (await table.UpdateRowAsync(row, etag, data.Version.Next()))
                {
                    return;
                }
            }

            Assert.Fail($"update {i} never won a race");
        }));

        Assert.Equal(20, (await table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task IAmAlive_changes_only_the_liveness_time()
    {
        var table = await NewTable();
        var entry = Entry();
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var before = await table.ReadAllAsync();

        var alive = DateTime.UtcNow.AddMinutes(3);
        entry.IAmAliveTime = alive;
        entry.Status = SiloStatus.Dead;
        await table.UpdateIAmAliveAsync(entry);

        var after = await table.ReadAllAsync();
        var (row, etag) = Assert.Single(after.Members);
        Assert.Equal(before.Version.VersionEtag, after.Version.VersionEtag);
        Assert.Equal(before.Members[0].Item2, etag);
        Assert.Equal(SiloStatus.Joining, row.Status);
        Assert.InRange(row.IAmAliveTime, alive.AddSeconds(-2), alive.AddSeconds(2));
    }

    [Fact]
    public async Task Cleanup_deletes_old_rows_except_active_ones()
    {
        var table = await NewTable();
        var old = DateTime.UtcNow.AddDays(-10);
        foreach (var status in Enum.GetValues<SiloStatus>().Where(s => s != SiloStatus.None))
        {
            var entry = Entry(status);
            entry.IAmAliveTime = old;
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var fresh = Entry(SiloStatus.Dead);
        Assert.True(await table.InsertRowAsync(fresh, (await table.ReadAllAsync()).Version.Next()));

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1));

        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1).ToList();
        Assert.Equal(2, left.Count);
        Assert.Contains(left, e => e.Status == SiloStatus.Active);
        Assert.Contains(left, e => e.SiloAddress.Equals(fresh.SiloAddress));
    }

    [Fact]
    public async Task Gateways_are_the_active_silos_with_a_proxy_port()
    {
        var (table, provider) = await NewTableWithServices();
        var active = Entry(SiloStatus.Active);
        var noProxy = Entry(SiloStatus.Active, proxyPort: 0);
        foreach (var entry in new[] { active, noProxy, Entry(SiloStatus.Joining), Entry(SiloStatus.Dead), Entry(SiloStatus.ShuttingDown) })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        var gateways = provider.GetRequiredService<DynamoDBGatewayListProvider>();
        await gateways.InitializeGatewayListProviderAsync();

        var uri = Assert.Single(await gateways.GetGatewaysAsync());
        Assert.Equal(SiloAddress.New(active.SiloAddress.Endpoint.Address, active.ProxyPort, active.SiloAddress.Generation).ToGatewayUri(), uri);
    }

    [Fact]
    public async Task Deleting_a_cluster_removes_its_rows_and_version()
    {
        var (table, provider) = await NewTableWithServices();
        Assert.True(await table.InsertRowAsync(Entry(), (await table.ReadAllAsync()).Version.Next()));
        var clusterId = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ClusterId;

        await table.DeleteMembershipTableEntriesAsync(clusterId);

        var data = await table.ReadAllAsync();
        Assert.Empty(data.Members);
        Assert.Equal(0, data.Version.Version);
    }

    private async Task<DynamoDBMembershipTable> NewTable() => (await NewTableWithServices()).Table;

    private async Task<(DynamoDBMembershipTable Table, ServiceProvider Services)> NewTableWithServices()
    {
        var services = new ServiceCollection().AddLogging();
        services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = $"cluster-{Guid.NewGuid():N}";
            o.ServiceId = "membership-tests";
        });
        services.AddOptions<GatewayOptions>();
        services.AddOptions<DynamoDBClusteringOptions>().Configure(o => StorageHosts.Local(o, aws, Table));
        services.AddTransient<DynamoDBMembershipTable>();
        services.AddTransient<DynamoDBGatewayListProvider>();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var table = provider.GetRequiredService<DynamoDBMembershipTable>();
        await table.InitializeMembershipTableAsync(true);
        return (table, provider);
    }

    private static MembershipEntry Entry(SiloStatus status = SiloStatus.Joining, int proxyPort = 30000)
    {
        var port = Interlocked.Increment(ref s_nextPort);
        var now = Trimmed(DateTime.UtcNow);
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, port * 7),
            Status = status,
            ProxyPort = proxyPort,
            HostName = "host",
            SiloName = $"silo-{port}",
            RoleName = "role",
            UpdateZone = 1,
            FaultZone = 2,
            StartTime = now,
            IAmAliveTime = now,
            SuspectTimes = [],
        };
    }

    private static DateTime Trimmed(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
}
