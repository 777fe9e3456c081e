namespace SecurityCoach.Coaching;

/// <summary>
/// Delivery retries (section <c>SecurityCoach:Coaching</c>). The defaults are the seed's Step Functions retrier:
/// first retry after 2 s, each next one twice as late, 6 attempts in all.
/// </summary>
public sealed class CoachingOptions
{
    public const string Section = "SecurityCoach:Coaching";

    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(2);

    public double RetryBackoffRate { get; set; } = 2.0;

    /// <summary>Delivery attempts in all, the first one included.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>How long one channel may take to answer before the attempt counts as failed.</summary>
    public TimeSpan ChannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before retry number <paramref name="failedAttempts"/> (1 after the first failure).</summary>
    public TimeSpan RetryDelay(int failedAttempts) =>
        TimeSpan.FromTicks((long)(RetryInitialDelay.Ticks * Math.Pow(RetryBackoffRate, failedAttempts - 1)));
}
