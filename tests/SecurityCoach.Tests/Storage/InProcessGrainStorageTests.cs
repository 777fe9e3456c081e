using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using SecurityCoach.Storage;
using SecurityCoach.Tests.Aws;

namespace SecurityCoach.Tests.Storage;

/// <summary>The Local profile's storage passes the same contract as the Orleans memory storage and ours on DynamoDB.</summary>
public sealed class InProcessGrainStorageConformanceTests(InProcessGrainStorageConformanceTests.Host host)
    : GrainStorageConformance, IClassFixture<InProcessGrainStorageConformanceTests.Host>
{
    protected override Task<IGrainStorage> Storage() => Task.FromResult(host.Storage);

    [Fact]
    public async Task A_read_state_is_a_copy_that_later_changes_do_not_reach()
    {
        var storage = await Storage();
        var grain = NewGrain();
        var written = State("original", 1);
        await storage.WriteStateAsync("state", grain, written);

        written.State!.Items.Add("changed after the write");
        var first = await Read(grain);
        first.State!.Name = "changed after the read";

        var second = await Read(grain);
        Assert.Equal("original", second.State!.Name);
        Assert.Equal(["original", "x"], second.State!.Items);
    }

    /// <summary>A silo for the Orleans serializer (with this assembly's generated codecs); the storage is built as the Local profile builds it.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private IHost _host = null!;

        public IGrainStorage Storage { get; private set; } = null!;

        public IServiceProvider Services => _host.Services;

        public async Task InitializeAsync()
        {
            _host = await StorageHosts.StartMemory();
            Storage = new InProcessGrainStorage(new BinaryGrainStorageSerializer(_host.Services.GetRequiredService<Serializer>()));
        }

        public async Task DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
