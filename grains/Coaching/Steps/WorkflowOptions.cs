using SecurityCoach.Workflow;

namespace SecurityCoach.Coaching.Steps;

/// <summary>
/// Workflow settings (section <c>SecurityCoach:Workflow</c>): Task resource names mapped to coaching steps, so an
/// existing Step Functions definition runs unchanged, e.g.
/// <c>{"Resource": "arn:aws:lambda:TriggerNotifications-Lambda", "Step": "coach:deliver", "FailureError": "AllNotificationsFailedException"}</c>.
/// A list rather than a map, because configuration keys cannot hold the colons of an ARN.
/// </summary>
public sealed class WorkflowOptions
{
    public const string Section = "SecurityCoach:Workflow";

    public List<ResourceMapping> Resources { get; set; } = [];

    /// <summary>
    /// What one coaching's workflow may use (<c>SecurityCoach:Workflow:Limits:MaxTransitions</c>, …): checked when a
    /// tenant stores a definition and while a coaching runs. The defaults suit every coaching workflow we know of.
    /// </summary>
    public WorkflowLimits Limits { get; set; } = WorkflowLimits.Default;
}

/// <summary>One resource name and the step it runs.</summary>
public sealed class ResourceMapping
{
    /// <summary>The name a definition's Task uses (an ARN or anything else).</summary>
    public string Resource { get; set; } = "";

    /// <summary>The coaching step it runs (<see cref="CoachingSteps"/>).</summary>
    public string Step { get; set; } = "";

    /// <summary>
    /// When set, the error this resource raises whenever the step fails, instead of the step's own error name
    /// (the Cause keeps the original): the name the existing definition's Retry and Catch expect.
    /// </summary>
    public string? FailureError { get; set; }
}
