using SecurityCoach.Risk;

namespace SecurityCoach.Tests.Domain;

public sealed class RiskScoreTests
{
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(7);
    private const long Start = 1_767_225_600_000;
    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    [Theory]
    [InlineData(0, 80)]
    [InlineData(7, 40)]
    [InlineData(14, 20)]
    [InlineData(21, 10)]
    [InlineData(3.5, 56.568542)]
    public void Score_halves_every_half_life(double days, double expected) =>
        Assert.Equal(expected, RiskScore.DecayTo(80, Start, Start + (long)(days * Day), HalfLife), precision: 5);

    [Fact]
    public void A_clock_that_moved_back_never_raises_the_score() =>
        Assert.Equal(80, RiskScore.DecayTo(80, Start, Start - Day, HalfLife));

    [Fact]
    public void Zero_stays_zero() => Assert.Equal(0, RiskScore.DecayTo(0, Start, Start + 100 * Day, HalfLife));

    [Fact]
    public void Shorter_half_life_decays_faster() =>
        Assert.True(RiskScore.DecayTo(80, Start, Start + Day, TimeSpan.FromDays(1)) < RiskScore.DecayTo(80, Start, Start + Day, HalfLife));
}
