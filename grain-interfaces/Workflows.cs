namespace SecurityCoach;

/// <summary>
/// A tenant's stored workflow: an Amazon States Language document (JSON text) that coachings of the campaigns
/// naming it run. <see cref="Version"/> is the tenant's campaign-set version when it was written.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StoredWorkflow(
    [property: Id(0)] string Name,
    [property: Id(1)] string Definition,
    [property: Id(2)] long Version,
    [property: Id(3)] DateTimeOffset UpdatedAt);

/// <summary>The outcome of storing a workflow: the stored workflow, or every validation error with its JSON path.</summary>
[GenerateSerializer, Immutable]
public sealed record PutWorkflowResult([property: Id(0)] StoredWorkflow? Workflow, [property: Id(1)] FieldError[] Errors, [property: Id(2)] QuotaExceeded? Quota = null);

/// <summary>
/// The outcome of removing a workflow: <see cref="Found"/> false when the tenant has none by that name; otherwise it
/// was removed unless <see cref="UsedBy"/> names campaigns that still run it (nothing changes then).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RemoveWorkflowResult([property: Id(0)] bool Found, [property: Id(1)] string[] UsedBy);

/// <summary>What a tenant's stored workflows are held to, and the name of the built-in one.</summary>
public static class WorkflowRules
{
    /// <summary>The built-in workflow: what a campaign without a workflow runs. No stored workflow may take the name.</summary>
    public const string DefaultName = "default";

    /// <summary>The largest definition, in UTF-8 bytes.</summary>
    public const int MaxDefinitionBytes = 64 * 1024;

    /// <summary>
    /// All of a tenant's definitions together, in UTF-8 bytes. They live in the tenant's state, which every tenant
    /// write (a campaign, a key's last use) writes whole, so this bounds that write rather than the count alone.
    /// </summary>
    public const int MaxTotalBytes = 1024 * 1024;
}

/// <summary>
/// A daily window in which no tip is delivered (a coaching waits until it ends). <see cref="Start"/> and
/// <see cref="End"/> are local times "HH:mm" in <see cref="TimeZone"/> (an IANA id such as "Europe/Berlin"); a
/// window whose end is before its start spans midnight ("22:00"–"07:00").
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QuietHours(
    [property: Id(0)] string Start,
    [property: Id(1)] string End,
    [property: Id(2)] string TimeZone);

/// <summary>
/// One user's own settings, which override the tenant's: the user's time zone (the tenant's quiet hours are then
/// read in it) and the user's own quiet hours.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserPreferences(
    [property: Id(0)] string? TimeZone,
    [property: Id(1)] QuietHours? QuietHours);
