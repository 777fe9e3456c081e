using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SecurityCoach.Storage;

namespace SecurityCoach.Tests.Storage;

[GenerateSerializer]
public sealed class EndingState : IEndedState
{
    [Id(0)] public string? Name { get; set; }

    [Id(1)] public bool Ended { get; set; }

    public bool HasEnded => Ended;

    public DateTimeOffset? RetainUntil => null;
}

/// <summary>The Local profile's storage keeps every running record and only the newest ended ones.</summary>
public sealed class InProcessGrainStorageRetentionTests(InProcessGrainStorageConformanceTests.Host host)
    : IClassFixture<InProcessGrainStorageConformanceTests.Host>
{
    private InProcessGrainStorage NewStorage(int keepEnded) =>
        new(new BinaryGrainStorageSerializer(host.Services.GetRequiredService<Serializer>()), keepEnded);

    private static GrainId NewGrain(string name) => GrainId.Create("retention", $"{name}-{Guid.NewGuid():N}");

    private static async Task<GrainState<EndingState>> Write(InProcessGrainStorage storage, GrainId grain, string name, bool ended, string? etag = null)
    {
        var state = new GrainState<EndingState>(new EndingState { Name = name, Ended = ended }) { ETag = etag };
        await storage.WriteStateAsync("state", grain, state);
        return state;
    }

    private static async Task<EndingState?> Read(InProcessGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<EndingState>();
        await storage.ReadStateAsync("state", grain, state);
        return state.RecordExists ? state.State : null;
    }

    [Fact]
    public async Task The_newest_ended_records_are_kept_and_older_ones_forgotten_in_the_order_they_ended()
    {
        var storage = NewStorage(keepEnded: 3);
        var grains = Enumerable.Range(1, 5).Select(i => NewGrain($"g{i}")).ToArray();
        for (var i = 0; i < grains.Length; i++)
        {
            await Write(storage, grains[i], $"g{i + 1}", ended: true);
        }

        var names = new List<string?>();
        foreach (var grain in grains)
        {
            names.Add((await Read(storage, grain))?.Name);
        }

        Assert.Equal([null, null, "g3", "g4", "g5"], names);
        Assert.Equal(3, storage.Count);
        // A forgotten grain starts over: its next write is an insert.
        await Write(storage, grains[0], "g1 again", ended: false);
        Assert.Equal("g1 again", (await Read(storage, grains[0]))?.Name);
    }

    [Fact]
    public async Task Running_records_are_never_forgotten()
    {
        var storage = NewStorage(keepEnded: 2);
        var running = Enumerable.Range(1, 10).Select(i => NewGrain($"running{i}")).ToArray();
        foreach (var grain in running)
        {
            await Write(storage, grain, "running", ended: false);
        }

        for (var i = 0; i < 6; i++)
        {
            await Write(storage, NewGrain($"ended{i}"), "ended", ended: true);
        }

        foreach (var grain in running)
        {
            Assert.Equal("running", (await Read(storage, grain))?.Name);
        }

        Assert.Equal(12, storage.Count);
    }

    [Fact]
    public async Task A_record_written_again_after_it_ended_is_not_forgotten_for_that_old_ending()
    {
        var storage = NewStorage(keepEnded: 2);
        var retried = NewGrain("retried");
        var ended = await Write(storage, retried, "failed, then retried", ended: true);
        await Write(storage, retried, "running again", ended: false, etag: ended.ETag);

        var later = Enumerable.Range(1, 3).Select(i => NewGrain($"later{i}")).ToArray();
        foreach (var grain in later)
        {
            await Write(storage, grain, "ended", ended: true);
        }

        Assert.Equal("running again", (await Read(storage, retried))?.Name);
        Assert.Null(await Read(storage, later[0]));
        Assert.NotNull(await Read(storage, later[1]));
        Assert.NotNull(await Read(storage, later[2]));
    }

    [Fact]
    public async Task Zero_keeps_every_ended_record()
    {
        var storage = NewStorage(keepEnded: 0);
        var grains = Enumerable.Range(1, 50).Select(i => NewGrain($"g{i}")).ToArray();
        foreach (var grain in grains)
        {
            await Write(storage, grain, "ended", ended: true);
        }

        foreach (var grain in grains)
        {
            Assert.NotNull(await Read(storage, grain));
        }
    }
}
