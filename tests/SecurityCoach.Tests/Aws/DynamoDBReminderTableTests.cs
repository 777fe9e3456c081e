using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using SecurityCoach.Providers.Aws.Reminders;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// The reminder table contract of Orleans' ReminderTableTestsBase, written here from its scenario list, against
/// DynamoDB Local. Every test uses its own service id, so its rows live in partitions no other test touches.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDBReminderTableTests(LocalAwsFixture aws) : IDisposable
{
    private const string Table = "reminder-tests";
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    [Fact]
    public async Task Upsert_read_and_remove_follow_the_etag_rules_for_any_reminder_name()
    {
        var table = await NewTable();
        var grain = GrainId.Create("reminder-test", "Grain/with#odd?chars");
        var entry = Entry(grain, @"name/\#?");

        var etag = await table.UpsertRow(entry);
        var read = await table.ReadRow(grain, entry.ReminderName);

        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(entry.StartAt, read.StartAt);
        Assert.Equal(entry.Period, read.Period);
        Assert.Equal(grain, read.GrainId);

        var newer = await table.UpsertRow(entry);
        Assert.NotEqual(etag, newer);
        Assert.False(await table.RemoveRow(grain, entry.ReminderName, etag!));
        Assert.False(await table.RemoveRow(grain, "no such reminder", newer!));
        Assert.True(await table.RemoveRow(grain, entry.ReminderName, newer!));
        Assert.False(await table.RemoveRow(grain, entry.ReminderName, newer!));
        Assert.Null(await table.ReadRow(grain, entry.ReminderName));
    }

    [Fact]
    public async Task A_grain_reads_only_its_own_reminders()
    {
        var table = await NewTable();
        var grain = GrainId.Create("reminder-test", "a");
        var longer = GrainId.Create("reminder-test", "a#b");
        await table.UpsertRow(Entry(grain, "one"));
        await table.UpsertRow(Entry(grain, "two"));
        await table.UpsertRow(Entry(longer, "three"));

        var rows = await table.ReadRows(grain);

        Assert.Equal(["one", "two"], rows.Reminders.Select(r => r.ReminderName).Order());
    }

    [Fact]
    public async Task Range_reads_over_a_thousand_reminders_match_the_ring_including_wrap_around()
    {
        var table = await NewTable();
        var entries = Enumerable.Range(0, 1000).Select(i => Entry(GrainId.Create("reminder-test", $"grain-{i}"), $"r{i % 3}")).ToList();
        foreach (var chunk in entries.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(table.UpsertRow));
        }

        Assert.Equal(1000, (await table.ReadRows(0, uint.MaxValue)).Reminders.Count);
        Assert.Equal(1000, (await table.ReadRows(0, 0)).Reminders.Count);

        var random = new Random(42);
        var hashes = entries.Select(e => (e, Hash: e.GrainId.GetUniformHashCode())).ToList();
        var edges = new List<(uint, uint)> { (uint.MaxValue, 0), (uint.MaxValue, uint.MaxValue), (0xF0000000, 0x0FFFFFFF), (0x0FFFFFFF, 0x10000000) };
        for (var i = 0; i < 60; i++)
        {
            edges.Add(((uint)random.NextInt64(0, 1L << 32), (uint)random.NextInt64(0, 1L << 32)));
        }

        foreach (var (begin, end) in edges)
        {
            var expected = hashes
                .Where(h => begin < end ? h.Hash > begin && h.Hash <= end : h.Hash > begin || h.Hash <= end)
                .Select(h => $"{h.e.GrainId}/{h.e.ReminderName}")
                .Order();
            var actual = (await table.ReadRows(begin, end)).Reminders.Select(r => $"{r.GrainId}/{r.ReminderName}").Order();
            Assert.True(expected.SequenceEqual(actual), $"range ({begin:x8}, {end:x8}]: expected {expected.Count()} rows, read {actual.Count()}");
        }
    }

    [Fact]
    public async Task Parallel_upserts_of_one_reminder_each_get_a_distinct_etag_and_the_last_one_is_stored()
    {
        var table = await NewTable();
        var entry = Entry(GrainId.Create("reminder-test", "parallel"), "r");

        var etags = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => table.UpsertRow(entry)));

        Assert.Equal(20, etags.Distinct().Count());
        Assert.Contains((await table.ReadRow(entry.GrainId, "r"))!.ETag, etags);
    }

    [Fact]
    public async Task Clearing_the_table_removes_every_reminder_of_the_service()
    {
        var table = await NewTable();
        for (var i = 0; i < 40; i++)
        {
            await table.UpsertRow(Entry(GrainId.Create("reminder-test", $"g{i}"), "r"));
        }

        await table.TestOnlyClearTable();

        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
    }

    private async Task<DynamoDBReminderTable> NewTable()
    {
        var services = new ServiceCollection().AddLogging();
        services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = "reminder-tests";
            o.ServiceId = $"service-{Guid.NewGuid():N}";
        });
        services.AddOptions<DynamoDBReminderOptions>().Configure(o => StorageHosts.Local(o, aws, Table));
        services.AddTransient<DynamoDBReminderTable>();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var table = provider.GetRequiredService<DynamoDBReminderTable>();
        await table.StartAsync();
        return table;
    }

    private static ReminderEntry Entry(GrainId grain, string name) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(7),
    };
}
