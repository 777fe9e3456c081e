using SecurityCoach.Coaching;

namespace SecurityCoach.Tests.Domain;

public sealed class CoachingIdTests
{
    [Fact]
    public void Same_user_event_and_campaign_give_the_same_id() =>
        Assert.Equal(CoachingIds.For("jdoe@example.com", "evt-1", "phish"), CoachingIds.For("jdoe@example.com", "evt-1", "phish"));

    [Theory]
    [InlineData("jdoe@example.com", "evt-2", "phish")]
    [InlineData("jdoe@example.com", "evt-1", "malware")]
    [InlineData("asmith@example.com", "evt-1", "phish")]
    public void Any_difference_gives_another_id(string user, string eventId, string campaign) =>
        Assert.NotEqual(CoachingIds.For("jdoe@example.com", "evt-1", "phish"), CoachingIds.For(user, eventId, campaign));

    [Fact]
    public void Moving_a_separator_between_parts_gives_another_id() =>
        Assert.NotEqual(CoachingIds.For("a|1:b", "c", "d"), CoachingIds.For("a", "b|1:c", "d"));

    [Fact]
    public void Ids_are_32_lower_case_hex_characters() =>
        Assert.Matches("^[0-9a-f]{32}$", CoachingIds.For("u", "e", "c"));
}
