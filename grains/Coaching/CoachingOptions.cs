namespace SecurityCoach.Coaching;

/// <summary>
/// Coaching delivery (section <c>SecurityCoach:Coaching</c>). The retry settings shape the built-in default workflow's
/// delivery retrier; the defaults are the seed's Step Functions retrier: first retry after 2 s, each next one twice as
/// late, 6 attempts in all. A campaign's own workflow states its own retriers.
/// </summary>
public sealed class CoachingOptions
{
    public const string Section = "SecurityCoach:Coaching";

    /// <summary>Seconds before the first retry (ASL <c>IntervalSeconds</c>: a whole number, at least 1).</summary>
    public int RetryIntervalSeconds { get; set; } = 2;

    public double RetryBackoffRate { get; set; } = 2.0;

    /// <summary>Delivery attempts in all, the first one included (the retrier's ASL <c>MaxAttempts</c> is one less).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>How long one channel may take to answer before the attempt counts as failed.</summary>
    public TimeSpan ChannelTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connections a silo opens to one host and port (webhook, Slack, Teams); further deliveries wait for one, up to
    /// <see cref="ChannelTimeout"/> (then the attempt fails as transient, never sent), and each has its own
    /// <see cref="ChannelTimeout"/> once sent. Without a bound a slow receiver made every running coaching open its own
    /// connection: thousands, until the process ran out of file descriptors (bench/README.md).
    /// </summary>
    public int MaxConnectionsPerEndpoint { get; set; } = 512;

    /// <summary>
    /// Of those, the connections one tenant's deliveries may hold at once (webhook, Slack, Teams): a tenant whose
    /// receiver hangs cannot take a shared host's connections from the other tenants. Half by default, so a few busy
    /// tenants on one receiver are not throttled below what the host takes (bench/README.md).
    /// </summary>
    public int MaxConnectionsPerTenantEndpoint { get; set; } = 256;

    /// <summary>
    /// Delivery attempts one coaching may make, whatever its workflow says (a Catch that leads back to a delivery
    /// would otherwise post without end); later delivery steps fail with <c>Coaching.DeliveryAttemptsExhausted</c>
    /// and send nothing. Never fewer than <see cref="MaxAttempts"/>.
    /// </summary>
    public int MaxDeliveryAttemptsPerCoaching { get; set; } = 10;

    /// <summary>The least time between two delivery attempts of one coaching: a loop without waits still sends at this pace.</summary>
    public TimeSpan MinDeliveryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Workflow seconds per wall-clock second: 1 in production. ASL waits are whole seconds, so tests and demos run
    /// the workflow clock faster (4 makes a 2 s retry wait take 0.5 s). Timestamps in the execution history are in
    /// workflow time, which is wall time when this is 1.
    /// </summary>
    public double WorkflowClockRate { get; set; } = 1.0;
}
