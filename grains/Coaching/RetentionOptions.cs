namespace SecurityCoach.Coaching;

/// <summary>
/// How long ended coachings are kept (section <c>SecurityCoach:Retention</c>) when their tenant chose nothing
/// (<c>PUT …/settings {"retention":{"endedCoachings":"P30D"}}</c>, one day to ten years). Past it a coaching reads as
/// never started and its record is deleted: at its next activation by the grain, and on AWS by DynamoDB's TTL.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "SecurityCoach:Retention";

    public TimeSpan EndedCoachings { get; set; } = TimeSpan.FromDays(90);
}
