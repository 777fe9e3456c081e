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
public sealed record PutWorkflowResult([property: Id(0)] StoredWorkflow? Workflow, [property: Id(1)] FieldError[] Errors);

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
