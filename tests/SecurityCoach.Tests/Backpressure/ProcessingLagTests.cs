using Microsoft.Extensions.Time.Testing;

namespace SecurityCoach.Tests.Backpressure;

/// <summary>When the silo counts as behind on its work: most recent work started late, not a few hot users; decays without reports.</summary>
public sealed class ProcessingLagTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static (ProcessingLag Lag, FakeTimeProvider Time) New(TimeSpan maxLag)
    {
        var time = new FakeTimeProvider(Start);
        return (new ProcessingLag(time, maxLag), time);
    }

    private static void Score(ProcessingLag lag, FakeTimeProvider time, int onTime, int late)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < onTime; i++)
        {
            lag.Started(now - 20);
        }

        for (var i = 0; i < late; i++)
        {
            lag.Started(now - 5_000);
        }
    }

    [Fact]
    public void Most_batches_late_is_behind_and_a_few_late_hot_users_are_not()
    {
        var (lag, time) = New(TimeSpan.FromSeconds(1));
        Score(lag, time, onTime: 17, late: 3);
        Assert.False(lag.IsBehind(out var late, out var batches));
        Assert.Equal((3, 20), (late, batches));

        Score(lag, time, onTime: 0, late: 18);
        Assert.True(lag.IsBehind(out late, out batches));
        Assert.Equal((21, 38), (late, batches));
    }

    [Fact]
    public void Fewer_reports_than_the_minimum_never_count_as_behind()
    {
        var (lag, time) = New(TimeSpan.FromSeconds(1));
        Score(lag, time, onTime: 0, late: ProcessingLag.MinReports - 1);
        Assert.False(lag.IsBehind(out _, out _));
        Score(lag, time, onTime: 0, late: 1);
        Assert.True(lag.IsBehind(out _, out _));
    }

    [Fact]
    public void Without_new_reports_the_state_decays_within_two_windows()
    {
        var (lag, time) = New(TimeSpan.FromSeconds(1));
        Score(lag, time, onTime: 0, late: 50);
        Assert.True(lag.IsBehind(out _, out _));

        // The previous window still counts...
        time.Advance(ProcessingLag.Window);
        Assert.True(lag.IsBehind(out _, out _));

        // ...two windows later nothing does: ingest opens again without any new event being scored.
        time.Advance(ProcessingLag.Window);
        Assert.False(lag.IsBehind(out var late, out var batches));
        Assert.Equal((0, 0), (late, batches));
    }

    [Fact]
    public void A_gap_of_several_windows_forgets_the_old_window()
    {
        var (lag, time) = New(TimeSpan.FromSeconds(1));
        Score(lag, time, onTime: 0, late: 50);
        time.Advance(ProcessingLag.Window * 5);
        Score(lag, time, onTime: 10, late: 0);
        Assert.False(lag.IsBehind(out var late, out var batches));
        Assert.Equal((0, 10), (late, batches));
    }

    [Fact]
    public void Work_of_unknown_due_time_and_a_zero_limit_count_nothing()
    {
        var (lag, time) = New(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 50; i++)
        {
            lag.Started(0);
        }

        Assert.False(lag.IsBehind(out _, out var batches));
        Assert.Equal(0, batches);

        var (off, offTime) = New(TimeSpan.Zero);
        Assert.False(off.Enabled);
        Score(off, offTime, onTime: 0, late: 50);
        Assert.False(off.IsBehind(out _, out _));
    }
}
