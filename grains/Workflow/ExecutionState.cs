using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecurityCoach.Workflow;

[GenerateSerializer]
public enum ExecutionStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>What a frame's current state is doing.</summary>
[GenerateSerializer]
public enum FramePhase
{
    /// <summary>About to run the current state (first entry, or again after a retry wait).</summary>
    Ready,

    /// <summary>A task was handed to the host; waiting for its report or its deadline.</summary>
    AwaitingTask,

    /// <summary>A Wait state waiting for <see cref="ExecutionFrame.ResumeAt"/>.</summary>
    Waiting,

    /// <summary>A retrier's delay before the state runs again at <see cref="ExecutionFrame.ResumeAt"/>.</summary>
    Retrying,

    /// <summary>A Parallel or Map state whose branch / item runs in the frame above it.</summary>
    RunningChildren,
}

/// <summary>
/// Everything an execution is, as plain data: the engine reads and changes it in <see cref="WorkflowEngine.Advance"/>,
/// and the host persists it after every call: with the Orleans serializer (the coaching grain keeps it in its grain
/// state), or as JSON (<see cref="ToJson"/> / <see cref="FromJson"/>). Every member is a string, number, date, enum,
/// list or dictionary; JSON values are held as JSON text, which the binary format stores as it is and JSON has to
/// escape, which made JSON the dearer format to store it in (bench/README.md, "Figures behind code comments").
/// </summary>
[GenerateSerializer]
public sealed class ExecutionState
{
    [Id(0)] public string ExecutionId { get; set; } = "";

    [Id(1)] public string InputJson { get; set; } = "{}";

    [Id(2)] public DateTimeOffset StartedAt { get; set; }

    [Id(3)] public ExecutionStatus Status { get; set; }

    [Id(4)] public string? OutputJson { get; set; }

    [Id(5)] public string? Error { get; set; }

    [Id(6)] public string? Cause { get; set; }

    [Id(7)] public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The running sub-machines: [0] is the state machine itself, each next one a branch or item of the one below.</summary>
    [Id(8)] public List<ExecutionFrame> Frames { get; set; } = [];

    /// <summary>How many times each state (by its qualified path) was entered: keeps task idempotency keys unique in loops.</summary>
    [Id(9)] public Dictionary<string, int> Visits { get; set; } = [];

    [Id(10)] public List<HistoryEvent> History { get; set; } = [];

    /// <summary>States entered so far, in all (<see cref="WorkflowLimits.MaxTransitions"/>).</summary>
    [Id(11)] public int Transitions { get; set; }

    /// <summary>Retries scheduled so far, in all (<see cref="WorkflowLimits.MaxRetriesPerExecution"/>).</summary>
    [Id(12)] public int Retries { get; set; }

    /// <summary>Seconds of retry delay scheduled so far, in all (<see cref="WorkflowLimits.MaxRetryWait"/>).</summary>
    [Id(13)] public double RetryWaitSeconds { get; set; }

    /// <summary>Characters of input and output text the history holds (<see cref="WorkflowLimits.MaxHistoryTextChars"/>).</summary>
    [Id(14)] public int HistoryTextChars { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, Storage.ExecutionState);

    /// <summary>The trace alone, as a JSON array (what an API shows of an execution).</summary>
    public string HistoryToJson() => JsonSerializer.Serialize(History, Storage.ListHistoryEvent);

    public static ExecutionState FromJson(string json) =>
        JsonSerializer.Deserialize(json, Storage.ExecutionState) ?? throw new JsonException("execution state JSON is null");

    /// <summary>
    /// The generated metadata with relaxed escaping: the state holds JSON documents as strings, and the default
    /// encoder writes each of their quotes as six bytes (<c>\u0022</c>) rather than two — a trace of JSON inputs and
    /// outputs was mostly escapes. Nothing here is ever embedded in HTML.
    /// </summary>
    private static readonly WorkflowJsonContext Storage = new(new JsonSerializerOptions(WorkflowJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });
}

/// <summary>One running (sub-)machine: where it is and what its current state is waiting for.</summary>
[GenerateSerializer]
public sealed class ExecutionFrame
{
    /// <summary>Prefix of qualified state paths in this frame: "" at the top, <c>Fanout[1]/</c> inside branch 1 of Fanout.</summary>
    [Id(0)] public string Scope { get; set; } = "";

    /// <summary>Which branch (Parallel) or item (Map) of the parent state this frame runs; -1 for the top frame.</summary>
    [Id(1)] public int ChildIndex { get; set; } = -1;

    [Id(2)] public string StateName { get; set; } = "";

    /// <summary>The current state's raw input.</summary>
    [Id(3)] public string InputJson { get; set; } = "{}";

    [Id(4)] public FramePhase Phase { get; set; }

    [Id(5)] public DateTimeOffset EnteredAt { get; set; }

    /// <summary>How many times the current state has run in this visit (1 on the first run, +1 per retry).</summary>
    [Id(6)] public int Attempt { get; set; }

    /// <summary>Retries used per retrier of the current state, in Retry order; reset when the state is left.</summary>
    [Id(7)] public List<int> RetryCounts { get; set; } = [];

    /// <summary>When a Wait or a retry delay ends.</summary>
    [Id(8)] public DateTimeOffset? ResumeAt { get; set; }

    [Id(9)] public string? TaskResource { get; set; }

    [Id(10)] public string? TaskInputJson { get; set; }

    [Id(11)] public string? TaskKey { get; set; }

    [Id(12)] public DateTimeOffset? TaskDeadline { get; set; }

    /// <summary>Parallel / Map: the input of each branch or item.</summary>
    [Id(13)] public List<string> ChildInputs { get; set; } = [];

    /// <summary>Parallel / Map: outputs of the branches or items finished so far, in order.</summary>
    [Id(14)] public List<string> ChildResults { get; set; } = [];

    /// <summary>
    /// <see cref="InputJson"/> already parsed, kept in memory between the engine's steps so that a state's input is
    /// parsed once rather than by every step that reads it (parsing was most of the engine's allocation). Never
    /// stored or copied ([NonSerialized], not public): a frame read back from storage starts without it.
    /// </summary>
    [NonSerialized]
    internal ParsedJson? ParsedInput;
}

/// <summary>A JSON text and the document parsed from it; the text's identity says whether the document is still current.</summary>
internal sealed record ParsedJson(string Json, System.Text.Json.Nodes.JsonNode? Node);

[GenerateSerializer]
public enum HistoryEventType
{
    ExecutionStarted,
    StateEntered,
    TaskScheduled,
    TaskSucceeded,
    TaskFailed,
    RetryScheduled,
    WaitStarted,
    ErrorCaught,
    StateFailed,
    StateExited,
    ExecutionSucceeded,
    ExecutionFailed,

    /// <summary>A Failed execution was resumed (<see cref="WorkflowEngine.Redrive"/>).</summary>
    ExecutionRedriven,
}

/// <summary>One line of the execution's trace. <see cref="State"/> is qualified: <c>Fanout[1]/SendSlack</c>.</summary>
[GenerateSerializer]
public sealed class HistoryEvent
{
    [Id(0)] public int Id { get; set; }

    [Id(1)] public DateTimeOffset Timestamp { get; set; }

    [Id(2)] public HistoryEventType Type { get; set; }

    [Id(3)] public string? State { get; set; }

    [Id(4)] public int? Attempt { get; set; }

    [Id(5)] public string? Resource { get; set; }

    [Id(6)] public string? IdempotencyKey { get; set; }

    [Id(7)] public string? Input { get; set; }

    [Id(8)] public string? Output { get; set; }

    [Id(9)] public string? Error { get; set; }

    [Id(10)] public string? Cause { get; set; }

    /// <summary>When a wait, a retry delay or a task deadline ends.</summary>
    [Id(11)] public DateTimeOffset? Until { get; set; }

    /// <summary>Where an error was sent by a catcher.</summary>
    [Id(12)] public string? Next { get; set; }
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExecutionState))]
[JsonSerializable(typeof(List<HistoryEvent>))]
internal sealed partial class WorkflowJsonContext : JsonSerializerContext;
