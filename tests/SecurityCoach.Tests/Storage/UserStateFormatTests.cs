using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SecurityCoach.Coaching;
using SecurityCoach.Storage;
using SecurityCoach.Users;

namespace SecurityCoach.Tests.Storage;

/// <summary>
/// A user's state as storage keeps it (the grain-storage serializer every profile uses): the two coaching-id lists
/// packed 16 bytes an id, a state written before they were packed still readable, and an id that cannot be packed
/// refused rather than stored changed.
/// </summary>
public sealed class UserStateFormatTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(UserState).Assembly).AddAssembly(typeof(UserStateFormatTests).Assembly))
        .BuildServiceProvider();

    private BinaryGrainStorageSerializer Storage => new(_services.GetRequiredService<Serializer>());

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Both_id_lists_come_back_in_order_and_take_16_bytes_an_id()
    {
        var ids = Enumerable.Range(0, 50).Select(i => CoachingIds.For($"u{i}@example.com", $"evt-{i}", "phish")).ToList();
        var state = new UserState { EventCount = 7, CoachingIds = ids, WatchedCoachings = [ids[48], ids[49]] };

        var stored = Storage.Serialize(state);
        var read = Storage.Deserialize<UserState>(stored)!;

        Assert.Equal(ids, read.CoachingIds);
        Assert.Equal([ids[48], ids[49]], read.WatchedCoachings);
        Assert.Equal(7, read.EventCount);
        // As 32-character strings the 52 ids alone were well over 1,600 bytes.
        Assert.InRange(stored.ToMemory().Length, 52 * 16, 52 * 16 + 128);
    }

    [Fact]
    public void A_state_written_with_the_ids_as_text_reads_into_the_same_lists()
    {
        var ids = new List<string> { CoachingIds.For("a@example.com", "e1", "c"), CoachingIds.For("a@example.com", "e2", "c") };
        var before = new UserStateWithIdsAsText { EventCount = 2, CoachingIds = ids, WatchedCoachings = [ids[1]] };

        var read = Storage.Deserialize<UserState>(Storage.Serialize(before))!;

        Assert.Equal(ids, read.CoachingIds);
        Assert.Equal([ids[1]], read.WatchedCoachings);
        Assert.Equal(2, read.EventCount);
    }

    [Theory]
    [InlineData("not-a-coaching-id")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    public void An_id_that_is_not_32_lower_case_hex_characters_fails_the_write(string id)
    {
        var state = new UserState { CoachingIds = [id] };

        var refused = Assert.Throws<InvalidOperationException>(() => Storage.Serialize(state));
        Assert.Contains(id, refused.Message);
    }
}

/// <summary>The fields of <see cref="UserState"/> as it was stored before its id lists were packed (ids 2, 6 and 9).</summary>
[GenerateSerializer]
public sealed class UserStateWithIdsAsText
{
    [Id(2)] public long EventCount { get; set; }

    [Id(6)] public List<string> CoachingIds { get; set; } = [];

    [Id(9)] public List<string> WatchedCoachings { get; set; } = [];
}
