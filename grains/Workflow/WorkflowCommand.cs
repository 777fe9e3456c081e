namespace SecurityCoach.Workflow;

/// <summary>What the host must do after <see cref="WorkflowEngine.Advance"/>.</summary>
public abstract record WorkflowCommand
{
    /// <summary>
    /// Run <paramref name="Resource"/> with <paramref name="InputJson"/>, then report
    /// <see cref="WorkflowEvent.TaskSucceeded"/> or <see cref="WorkflowEvent.TaskFailed"/> with the same key. If no
    /// report has arrived by <paramref name="Deadline"/>, call Advance then: the engine raises States.Timeout. The
    /// key is the same every time this very attempt is asked for, so a host that crashed and asks again can
    /// recognise a task it already ran.
    /// </summary>
    public sealed record RunTask(string Resource, string InputJson, string IdempotencyKey, DateTimeOffset Deadline) : WorkflowCommand;

    /// <summary>Call Advance again at (or after) <paramref name="Until"/>.</summary>
    public sealed record WaitUntil(DateTimeOffset Until) : WorkflowCommand;

    public sealed record Succeeded(string OutputJson) : WorkflowCommand;

    public sealed record Failed(string? Error, string? Cause) : WorkflowCommand;
}

/// <summary>What the host reports to <see cref="WorkflowEngine.Advance"/> about a task it ran.</summary>
public abstract record WorkflowEvent(string IdempotencyKey)
{
    public sealed record TaskSucceeded(string IdempotencyKey, string ResultJson) : WorkflowEvent(IdempotencyKey);

    public sealed record TaskFailed(string IdempotencyKey, string Error, string? Cause) : WorkflowEvent(IdempotencyKey);
}
