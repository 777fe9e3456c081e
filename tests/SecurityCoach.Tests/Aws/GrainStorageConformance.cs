using Orleans.Storage;

namespace SecurityCoach.Tests.Aws;

[GenerateSerializer]
public sealed class ConformanceState
{
    [Id(0)] public string? Name { get; set; }

    [Id(1)] public int Count { get; set; }

    [Id(2)] public List<string> Items { get; set; } = [];
}

/// <summary>
/// The grain storage contract Orleans' storage test kit checks (ETags, insert/update/clear, independence of state
/// names), written here from its scenario list. Runs against the Orleans memory storage, which proves the suite,
/// and against ours. Every test uses fresh grain ids.
/// </summary>
public abstract class GrainStorageConformance
{
    protected abstract Task<IGrainStorage> Storage();

    protected static GrainId NewGrain(string key = "") => GrainId.Create("conformance", $"{key}{Guid.NewGuid():N}");

    protected static GrainState<ConformanceState> State(string name, int count = 0, string? etag = null) =>
        new(new ConformanceState { Name = name, Count = count, Items = [name, "x"] }) { ETag = etag };

    protected async Task<GrainState<ConformanceState>> Read(GrainId grain, string stateName = "state")
    {
        var state = new GrainState<ConformanceState>();
        await (await Storage()).ReadStateAsync(stateName, grain, state);
        return state;
    }

    [Fact]
    public async Task Missing_state_reads_as_absent_with_a_fresh_instance()
    {
        var state = await Read(NewGrain());

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.NotNull(state.State);
        Assert.Equal(0, state.State!.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Привет-мир-")]
    [InlineData("12345-")]
    [InlineData("user@example.com/with spaces and #/")]
    public async Task Written_state_reads_back_for_any_grain_key(string key)
    {
        var storage = await Storage();
        var grain = NewGrain(key);
        var written = State("Ёжик", 7);

        await storage.WriteStateAsync("state", grain, written);
        var read = await Read(grain);

        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("Ёжик", read.State!.Name);
        Assert.Equal(7, read.State!.Count);
        Assert.Equal(["Ёжик", "x"], read.State!.Items);
    }

    [Fact]
    public async Task Every_write_issues_a_new_etag_even_with_the_same_values()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = State("a", 1);

        await storage.WriteStateAsync("state", grain, state);
        var first = state.ETag;
        await storage.WriteStateAsync("state", grain, state);
        var second = state.ETag;
        state.State!.Count = 2;
        await storage.WriteStateAsync("state", grain, state);

        Assert.NotNull(first);
        Assert.NotEqual(first, second);
        Assert.NotEqual(second, state.ETag);
        Assert.Equal(state.ETag, (await Read(grain)).ETag);
    }

    [Fact]
    public async Task Insert_without_etag_fails_when_the_record_exists_and_leaves_it_unchanged()
    {
        var storage = await Storage();
        var grain = NewGrain();
        await storage.WriteStateAsync("state", grain, State("first", 1));

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("state", grain, State("second", 2)));

        Assert.Equal("first", (await Read(grain)).State!.Name);
    }

    [Fact]
    public async Task Write_with_a_stale_etag_fails_and_leaves_the_record_unchanged()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = State("v1", 1);
        await storage.WriteStateAsync("state", grain, state);
        var stale = state.ETag;
        state.State!.Name = "v2";
        await storage.WriteStateAsync("state", grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("state", grain, State("v3", 3, stale)));

        var read = await Read(grain);
        Assert.Equal("v2", read.State!.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_fails_and_leaves_the_record_unchanged()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = State("v1", 1);
        await storage.WriteStateAsync("state", grain, state);
        var stale = State("v1", 1, state.ETag);
        await storage.WriteStateAsync("state", grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("state", grain, stale));

        Assert.True((await Read(grain)).RecordExists);
    }

    [Fact]
    public async Task Clear_leaves_a_fresh_state_changes_the_etag_and_reads_as_absent()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = State("v1", 5);
        await storage.WriteStateAsync("state", grain, state);
        var written = state.ETag;

        await storage.ClearStateAsync("state", grain, state);

        Assert.False(state.RecordExists);
        Assert.NotNull(state.State);
        Assert.NotEqual(written, state.ETag);
        var read = await Read(grain);
        Assert.False(read.RecordExists);
        Assert.NotNull(read.State);
        Assert.Equal(0, read.State!.Count);
    }

    [Fact]
    public async Task Clear_before_any_write_succeeds_and_clearing_again_is_harmless()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = new GrainState<ConformanceState>(new ConformanceState());

        await storage.ClearStateAsync("state", grain, state);
        await storage.ClearStateAsync("state", grain, state);
        await storage.ClearStateAsync("state", grain, state);

        Assert.False(state.RecordExists);
        Assert.False((await Read(grain)).RecordExists);
    }

    [Fact]
    public async Task Write_after_clear_succeeds_with_the_etag_clear_returned_and_from_a_fresh_read()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var state = State("v1", 1);
        await storage.WriteStateAsync("state", grain, state);
        await storage.ClearStateAsync("state", grain, state);

        state.State = new ConformanceState { Name = "v2" };
        await storage.WriteStateAsync("state", grain, state);
        Assert.Equal("v2", (await Read(grain)).State!.Name);

        await storage.ClearStateAsync("state", grain, state);
        var fresh = await Read(grain);
        fresh.State!.Name = "v3";
        await storage.WriteStateAsync("state", grain, fresh);
        Assert.Equal("v3", (await Read(grain)).State!.Name);
    }

    [Fact]
    public async Task State_names_of_one_grain_are_independent_records()
    {
        var storage = await Storage();
        var grain = NewGrain();
        await storage.WriteStateAsync("profile", grain, State("profile", 1));
        await storage.WriteStateAsync("settings", grain, State("settings", 2));

        await storage.ClearStateAsync("profile", grain, await Read(grain, "profile"));

        Assert.False((await Read(grain, "profile")).RecordExists);
        Assert.Equal("settings", (await Read(grain, "settings")).State!.Name);
    }

    [Fact]
    public async Task Parallel_writes_and_reads_of_different_grains_do_not_interfere()
    {
        var storage = await Storage();
        var grains = Enumerable.Range(0, 20).Select(_ => NewGrain()).ToArray();

        await Task.WhenAll(grains.Select(async (grain, i) =>
        {
            var state = State($"g{i}", i);
            await storage.WriteStateAsync("state", grain, state);
            state.State!.Count += 100;
            await storage.WriteStateAsync("state", grain, state);
        }));
        var read = await Task.WhenAll(grains.Select(grain => Read(grain)));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (i + 100, $"g{i}")), read.Select(r => (r.State!.Count, r.State!.Name!)));
    }

    [Fact]
    public async Task Random_sequences_of_operations_match_a_model()
    {
        var storage = await Storage();
        var random = new Random(1234);
        for (var run = 0; run < 4; run++)
        {
            var grain = NewGrain();
            var current = new GrainState<ConformanceState>(new ConformanceState());
            int? model = null;
            var staleETags = new List<string>();
            for (var step = 0; step < 25; step++)
            {
                switch (random.Next(4))
                {
                    case 0:
                        if (current.ETag is { } before)
                        {
                            staleETags.Add(before);
                        }

                        current.State!.Count = random.Next(1000);
                        await storage.WriteStateAsync("state", grain, current);
                        model = current.State!.Count;
                        break;
                    case 1:
                        if (current.ETag is { } cleared)
                        {
                            staleETags.Add(cleared);
                        }

                        await storage.ClearStateAsync("state", grain, current);
                        model = null;
                        break;
                    case 2 when staleETags.Count > 0:
                        var stale = State("stale", -1, staleETags[random.Next(staleETags.Count)]);
                        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("state", grain, stale));
                        break;
                    default:
                        current = await Read(grain);
                        Assert.Equal(model is not null, current.RecordExists);
                        Assert.Equal(model ?? 0, current.State!.Count);
                        break;
                }
            }
        }
    }
}

/// <summary>Proves the suite: the Orleans memory storage passes it.</summary>
public sealed class MemoryGrainStorageConformanceTests(MemoryGrainStorageConformanceTests.Host host)
    : GrainStorageConformance, IClassFixture<MemoryGrainStorageConformanceTests.Host>
{
    protected override Task<IGrainStorage> Storage() => Task.FromResult(host.Storage);

    public sealed class Host : IAsyncLifetime
    {
        private Microsoft.Extensions.Hosting.IHost _host = null!;

        public IGrainStorage Storage { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _host = await StorageHosts.StartMemory();
            Storage = Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions
                .GetRequiredKeyedService<IGrainStorage>(_host.Services, StorageHosts.Memory);
        }

        public async Task DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
