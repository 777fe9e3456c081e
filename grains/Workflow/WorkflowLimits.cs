namespace SecurityCoach.Workflow;

/// <summary>
/// What one execution may use, so that a definition written by anyone cannot hold a silo: some limits are checked
/// when a definition is parsed (<see cref="MaxRetryAttempts"/>, <see cref="MaxTemplateReferences"/>, a machine that
/// can never end), the others while it runs, each ending the execution with a terminal, named error (neither
/// retried nor caught). The defaults leave room for any coaching workflow we know of; the host may raise them.
/// </summary>
public sealed record WorkflowLimits
{
    public static WorkflowLimits Default { get; } = new();

    /// <summary>States entered in all over the execution's life (loops included): past it, <c>States.Runtime</c>.</summary>
    public int MaxTransitions { get; init; } = 1_000;

    /// <summary>
    /// UTF-8 bytes of the execution's input, a state's output and a task's result (Step Functions' 256 KiB): past it,
    /// <c>States.DataLimitExceeded</c>.
    /// </summary>
    public int MaxPayloadBytes { get; init; } = 256 * 1024;

    /// <summary>Events in the execution history: past it, <c>States.Runtime</c>.</summary>
    public int MaxHistoryEvents { get; init; } = 10_000;

    /// <summary>
    /// Characters of input and output text the history keeps in all; later texts are recorded as a
    /// <c>{"truncated":true,"length":N}</c> marker (the execution goes on: the history is the trace, not its data).
    /// </summary>
    public int MaxHistoryTextChars { get; init; } = 1024 * 1024;

    /// <summary>A retrier's <c>MaxAttempts</c> at most (checked at parse time).</summary>
    public int MaxRetryAttempts { get; init; } = 10;

    /// <summary>Retries over the whole execution; once spent, a further error goes to the catchers as if its retrier were.</summary>
    public int MaxRetriesPerExecution { get; init; } = 50;

    /// <summary>Time spent waiting for retries over the whole execution; a retry that would pass it is not scheduled.</summary>
    public TimeSpan MaxRetryWait { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Paths and intrinsic-function arguments in one Parameters / ResultSelector / ItemSelector (checked at parse
    /// time): each may copy a whole payload, so this bounds what building one template can allocate.
    /// </summary>
    public int MaxTemplateReferences { get; init; } = 64;
}
