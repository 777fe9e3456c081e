namespace SecurityCoach;

/// <summary>Settings of ingest backpressure (section <c>SecurityCoach:Backpressure</c>).</summary>
public sealed class BackpressureOptions
{
    public const string Section = "SecurityCoach:Backpressure";

    /// <summary>
    /// How late the silo may start its work (a user batch after it was published, a coaching step after its timer was
    /// due) before ingest refuses more events (503, Retry-After). Unset: the profile decides (Local:
    /// <see cref="LocalMaxProcessingLag"/>, since its streams hold the backlog in the silo's memory; AwsLocal and Aws: off, SQS
    /// holds it durably). Zero: off.
    /// </summary>
    public TimeSpan? MaxProcessingLag { get; set; }

    /// <summary>
    /// How many coachings one tenant may have in progress on a silo before that tenant's ingest is refused
    /// (<see cref="CoachingsInProgress"/>). Unset: the profile decides (Local: <see cref="LocalMaxCoachingsInProgress"/>;
    /// AwsLocal and Aws: <see cref="ClusterMaxCoachingsInProgress"/>: SQS holds the events durably, but a tenant whose
    /// receivers hang would otherwise hold ever more coaching activations and connections). Zero: no limit.
    /// </summary>
    public int? MaxCoachingsInProgress { get; set; }

    public static readonly TimeSpan LocalMaxProcessingLag = TimeSpan.FromSeconds(1);

    public const int LocalMaxCoachingsInProgress = 1_000;

    public const int ClusterMaxCoachingsInProgress = 10_000;
}
