using Microsoft.Extensions.Time.Testing;
using SecurityCoach.Users;

namespace SecurityCoach.Tests.Domain;

/// <summary>What a user activation vouches for when the stream provider asks it to confirm batches.</summary>
public sealed class AppliedBatchesTests
{
    [Fact]
    public void Only_batches_applied_here_are_vouched_for_and_a_confirmed_one_again_within_the_memory()
    {
        var time = new FakeTimeProvider();
        var applied = new AppliedBatches(time);
        applied.Applied(10);
        applied.Applied(11);

        Assert.False(applied.Confirm([10, 12]));
        Assert.True(applied.Confirm([11]));
        // Asked again (the provider gave up on the first answer): still true, and so is 10, confirmed above with 12.
        Assert.True(applied.Confirm([10, 11]));

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(applied.Confirm([]));
        Assert.True(applied.Confirm([11]));
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(applied.Confirm([]));
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(applied.Confirm([11]));
    }

    [Fact]
    public void Forgotten_or_evicted_batches_are_refused()
    {
        var applied = new AppliedBatches(new FakeTimeProvider());
        applied.Applied(1);
        applied.ForgetUnconfirmed();
        Assert.False(applied.Confirm([1]));

        for (var n = 100; n < 100 + 4096 + 1; n++)
        {
            applied.Applied(n);
        }

        Assert.False(applied.Confirm([100]));
        Assert.True(applied.Confirm([101, 100 + 4096]));
    }
}
