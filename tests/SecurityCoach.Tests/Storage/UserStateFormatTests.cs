using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SecurityCoach.Coaching;
using SecurityCoach.Storage;
using SecurityCoach.Users;

namespace SecurityCoach.Tests.Storage;

/// <summary>
/// A user's state as storage keeps it (the grain-storage serializer every profile uses): the two coaching-id lists
/// packed 16 bytes an id (kept packed as ids are added and removed) and the event hashes 8 bytes each, a state written
/// before they were packed still readable, and an id that cannot be packed refused when listed rather than stored changed.
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
        var state = new UserState { EventCount = 7, CoachingIds = new(ids), WatchedCoachings = new([ids[48], ids[49]]) };

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

    [Fact]
    public void The_event_hashes_come_back_in_order_and_take_8_bytes_each()
    {
        var random = new Random(7);
        var hashes = Enumerable.Range(0, UserGrain.DuplicateWindow).Select(_ => (ulong)random.NextInt64() | (1UL << 63)).ToList();
        var state = new UserState { EventCount = 3, RecentEventHashes = new(hashes) };

        var stored = Storage.Serialize(state);
        var read = Storage.Deserialize<UserState>(stored)!;

        Assert.Equal(hashes, read.RecentEventHashes);
        Assert.Equal(3, read.EventCount);
        // One by one, hashes with the top bit set took 10 bytes each.
        Assert.InRange(stored.ToMemory().Length, hashes.Count * 8, hashes.Count * 8 + 128);
    }

    [Fact]
    public void The_window_keeps_the_newest_hashes_oldest_first_as_they_come_and_go()
    {
        var window = new EventHashWindow();
        for (ulong hash = 1; hash <= 40; hash++)
        {
            if (window.Count == 32)
            {
                window.RemoveOldest();
            }

            window.Add(hash * 0x0101_0101_0101_0101);
        }

        var expected = Enumerable.Range(9, 32).Select(i => (ulong)i * 0x0101_0101_0101_0101).ToList();
        Assert.Equal(expected, window);
        Assert.Equal(expected[0], window[0]);
        Assert.Equal(expected, EventHashWindow.FromStored(window.Stored));
        // Full (32 is a power of two): the stored form is the window's own array, not a copy.
        Assert.Same(window.Stored, window.Stored);
        Assert.Equal(32 * 8, window.Stored.Length);
        window.RemoveOldest();
        Assert.Equal(31 * 8, window.Stored.Length);
        Assert.Equal(expected.Skip(1), EventHashWindow.FromStored(window.Stored));

        // Read back part-full (as a new activation does), the window still fills its array exactly.
        var readBack = EventHashWindow.FromStored(window.Stored);
        readBack.Add(1);
        Assert.Equal(32 * 8, readBack.Stored.Length);
        Assert.Same(readBack.Stored, readBack.Stored);
    }

    [Fact]
    public void A_state_written_with_the_hashes_as_a_list_reads_into_the_same_window()
    {
        var before = new UserStateWithIdsAsText { EventCount = 2, RecentEventHashes = [3, ulong.MaxValue, 42] };

        var read = Storage.Deserialize<UserState>(Storage.Serialize(before))!;

        Assert.Equal([3, ulong.MaxValue, 42], read.RecentEventHashes);
    }

    [Theory]
    [InlineData("not-a-coaching-id")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    public void An_id_that_is_not_32_lower_case_hex_characters_is_refused_when_listed(string id)
    {
        var state = new UserState();

        var refused = Assert.Throws<InvalidOperationException>(() => state.CoachingIds.Add(id));
        Assert.Contains(id, refused.Message);
        Assert.Empty(state.CoachingIds);
        Assert.Empty(state.CoachingIds.ToPacked());
    }

    [Fact]
    public void The_packed_ids_follow_every_addition_and_removal()
    {
        var ids = Enumerable.Range(0, 9).Select(i => CoachingIds.For($"u{i}@example.com", $"evt-{i}", "phish")).ToList();
        var list = new CoachingIdList(ids.Take(6));

        list.RemoveAt(0);
        Assert.True(list.Remove(ids[3]));
        Assert.False(list.Remove(ids[3]));
        list.Add(ids[6]);
        list.RemoveAt(list.Count - 1);
        list.Add(ids[7]);
        list.Add(ids[8]);

        string[] expected = [ids[1], ids[2], ids[4], ids[5], ids[7], ids[8]];
        Assert.Equal(expected, list);
        Assert.Equal(Convert.FromHexString(string.Concat(expected)), list.ToPacked());
        Assert.Equal(expected, CoachingIdList.FromPacked(list.ToPacked()));
    }
}

/// <summary>The fields of <see cref="UserState"/> as it was stored before its id lists and event hashes were packed (ids 2, 4, 6 and 9).</summary>
[GenerateSerializer]
public sealed class UserStateWithIdsAsText
{
    [Id(2)] public long EventCount { get; set; }

    [Id(4)] public List<ulong> RecentEventHashes { get; set; } = [];

    [Id(6)] public List<string> CoachingIds { get; set; } = [];

    [Id(9)] public List<string> WatchedCoachings { get; set; } = [];
}
