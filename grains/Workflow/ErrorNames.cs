namespace SecurityCoach.Workflow;

/// <summary>The built-in error names of the States language (all start with <c>States.</c>).</summary>
public static class ErrorNames
{
    /// <summary>Wildcard in ErrorEquals: every error except the terminal ones (<see cref="IsTerminal"/>).</summary>
    public const string All = "States.ALL";

    /// <summary>Wildcard in ErrorEquals: any error a task reported, except <see cref="Timeout"/>.</summary>
    public const string TaskFailed = "States.TaskFailed";

    public const string Timeout = "States.Timeout";
    public const string Runtime = "States.Runtime";
    public const string NoChoiceMatched = "States.NoChoiceMatched";
    public const string ParameterPathFailure = "States.ParameterPathFailure";
    public const string ResultPathMatchFailure = "States.ResultPathMatchFailure";
    public const string IntrinsicFailure = "States.IntrinsicFailure";

    /// <summary>A payload over <see cref="WorkflowLimits.MaxPayloadBytes"/>: terminal, as <see cref="Runtime"/>.</summary>
    public const string DataLimitExceeded = "States.DataLimitExceeded";

    internal const string Prefix = "States.";

    /// <summary>Errors that end the execution whatever its Retry and Catch say (even when named there).</summary>
    public static bool IsTerminal(string error) => error is Runtime or DataLimitExceeded;

    /// <summary>Whether a retrier's or catcher's ErrorEquals list matches <paramref name="error"/>.</summary>
    public static bool Matches(IReadOnlyList<string> errorEquals, string error)
    {
        if (IsTerminal(error))
        {
            return false;
        }

        foreach (var name in errorEquals)
        {
            if (name == error || name == All)
            {
                return true;
            }

            if (name == TaskFailed && !error.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A runtime error raised while a state runs (its data flow, a choice, a task report).</summary>
internal sealed class WorkflowError(string error, string cause) : Exception(cause)
{
    public string Error { get; } = error;
}
