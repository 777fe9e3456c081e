using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>
/// A parsed and validated state machine (or a Parallel branch / Map item processor): immutable, shareable by every
/// execution of it. Build one with <see cref="Parse"/>.
/// </summary>
public sealed class StateMachineDefinition
{
    /// <summary>Task timeout when a Task names neither TimeoutSeconds nor TimeoutSecondsPath (the spec's default).</summary>
    public const int DefaultTaskTimeoutSeconds = 60;

    internal StateMachineDefinition(string startAt, IReadOnlyDictionary<string, StateDefinition> states, int? timeoutSeconds, string? comment)
    {
        StartAt = startAt;
        States = states;
        TimeoutSeconds = timeoutSeconds;
        Comment = comment;
    }

    public string StartAt { get; }

    public IReadOnlyDictionary<string, StateDefinition> States { get; }

    /// <summary>The whole execution's time limit (top level only); past it the execution fails with States.Timeout.</summary>
    public int? TimeoutSeconds { get; }

    public string? Comment { get; }

    /// <summary>
    /// Parses and validates an ASL document (JSONPath flavour). Never throws for a bad document: the result lists
    /// every problem found, each with the JSON path of the offending field.
    /// </summary>
    /// <param name="json">The ASL document.</param>
    /// <param name="isKnownResource">Which Task <c>Resource</c> names the host can run; null accepts any.</param>
    /// <param name="limits">The limits checked at parse time (<see cref="WorkflowLimits.Default"/> when null); the
    /// engine that runs the definition should hold the same.</param>
    public static StateMachineParseResult Parse(string json, Func<string, bool>? isKnownResource = null, WorkflowLimits? limits = null) =>
        new DefinitionParser(isKnownResource, limits ?? WorkflowLimits.Default).Parse(json);
}

/// <summary>The outcome of <see cref="StateMachineDefinition.Parse"/>: a definition, or every validation error.</summary>
public sealed record StateMachineParseResult(StateMachineDefinition? Definition, IReadOnlyList<ValidationError> Errors)
{
    public bool IsValid => Definition is not null;
}

/// <summary>One problem in an ASL document: where (<c>$.States.Deliver.Retry[1].BackoffRate</c>) and what.</summary>
public sealed record ValidationError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

public enum StateType
{
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

public enum JitterStrategy
{
    None,
    Full,
}

/// <summary>A Retrier: how often and how long to wait before running a failed state again.</summary>
public sealed record Retrier(
    IReadOnlyList<string> ErrorEquals,
    int IntervalSeconds,
    int MaxAttempts,
    double BackoffRate,
    int? MaxDelaySeconds,
    JitterStrategy Jitter);

/// <summary>A Catcher: where to go once retries are spent. <see cref="ResultPath"/> null discards the error output.</summary>
public sealed record Catcher(IReadOnlyList<string> ErrorEquals, string Next, JsonPath? ResultPath);

/// <summary>
/// One state. Fields that a state type does not take are left at their defaults (validation rejects them). For
/// <see cref="InputPath"/>, <see cref="OutputPath"/> and <see cref="ResultPath"/> an absent field is <c>$</c> and
/// a JSON <c>null</c> is a null property.
/// </summary>
public sealed record StateDefinition
{
    public required string Name { get; init; }

    public required StateType Type { get; init; }

    public string? Next { get; init; }

    public bool End { get; init; }

    public JsonPath? InputPath { get; init; } = JsonPath.Root;

    public JsonPath? OutputPath { get; init; } = JsonPath.Root;

    public JsonPath? ResultPath { get; init; } = JsonPath.Root;

    internal PayloadTemplate? Parameters { get; init; }

    internal PayloadTemplate? ResultSelector { get; init; }

    /// <summary>Pass: the fixed result, when <see cref="HasResult"/>.</summary>
    public JsonNode? Result { get; init; }

    public bool HasResult { get; init; }

    public IReadOnlyList<Retrier> Retry { get; init; } = [];

    public IReadOnlyList<Catcher> Catch { get; init; } = [];

    public string? Resource { get; init; }

    public int? TimeoutSeconds { get; init; }

    public JsonPath? TimeoutSecondsPath { get; init; }

    public int? HeartbeatSeconds { get; init; }

    internal IReadOnlyList<(ChoiceRule Rule, string Next)> Choices { get; init; } = [];

    public string? Default { get; init; }

    public int? Seconds { get; init; }

    public DateTimeOffset? Timestamp { get; init; }

    public JsonPath? SecondsPath { get; init; }

    public JsonPath? TimestampPath { get; init; }

    public string? Error { get; init; }

    public string? Cause { get; init; }

    public JsonPath? ErrorPath { get; init; }

    public JsonPath? CausePath { get; init; }

    public IReadOnlyList<StateMachineDefinition> Branches { get; init; } = [];

    /// <summary>Map: the per-item sub-machine (<c>ItemProcessor</c>, or the legacy <c>Iterator</c>).</summary>
    public StateMachineDefinition? ItemProcessor { get; init; }

    public JsonPath ItemsPath { get; init; } = JsonPath.Root;

    /// <summary>Map: builds each item's input (<c>ItemSelector</c>, or the legacy <c>Parameters</c>).</summary>
    internal PayloadTemplate? ItemSelector { get; init; }

    /// <summary>Map: a scheduling hint only; items run one after another (see README.md).</summary>
    public int? MaxConcurrency { get; init; }
}
