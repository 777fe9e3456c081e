using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecurityCoach.Workflow;

public enum ExecutionStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>What a frame's current state is doing.</summary>
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
/// and the host persists it after every call (<see cref="ToJson"/> / <see cref="FromJson"/>, or its own serializer:
/// every member is a string, number, date, enum, list or dictionary; JSON values are held as JSON text).
/// </summary>
public sealed class ExecutionState
{
    public string ExecutionId { get; set; } = "";

    public string InputJson { get; set; } = "{}";

    public DateTimeOffset StartedAt { get; set; }

    public ExecutionStatus Status { get; set; }

    public string? OutputJson { get; set; }

    public string? Error { get; set; }

    public string? Cause { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The running sub-machines: [0] is the state machine itself, each next one a branch or item of the one below.</summary>
    public List<ExecutionFrame> Frames { get; set; } = [];

    /// <summary>How many times each state (by its qualified path) was entered: keeps task idempotency keys unique in loops.</summary>
    public Dictionary<string, int> Visits { get; set; } = [];

    public List<HistoryEvent> History { get; set; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Storage.ExecutionState);

    /// <summary>The same as <see cref="ToJson"/>, as UTF-8: what a host stores, half the bytes of the string.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Storage.ExecutionState);

    /// <summary>The trace alone, as a JSON array (what an API shows of an execution).</summary>
    public string HistoryToJson() => JsonSerializer.Serialize(History, Storage.ListHistoryEvent);

    public static ExecutionState FromJson(string json) =>
        JsonSerializer.Deserialize(json, Storage.ExecutionState) ?? throw new JsonException("execution state JSON is null");

    public static ExecutionState FromUtf8Json(ReadOnlySpan<byte> json) =>
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
public sealed class ExecutionFrame
{
    /// <summary>Prefix of qualified state paths in this frame: "" at the top, <c>Fanout[1]/</c> inside branch 1 of Fanout.</summary>
    public string Scope { get; set; } = "";

    /// <summary>Which branch (Parallel) or item (Map) of the parent state this frame runs; -1 for the top frame.</summary>
    public int ChildIndex { get; set; } = -1;

    public string StateName { get; set; } = "";

    /// <summary>The current state's raw input.</summary>
    public string InputJson { get; set; } = "{}";

    public FramePhase Phase { get; set; }

    public DateTimeOffset EnteredAt { get; set; }

    /// <summary>How many times the current state has run in this visit (1 on the first run, +1 per retry).</summary>
    public int Attempt { get; set; }

    /// <summary>Retries used per retrier of the current state, in Retry order; reset when the state is left.</summary>
    public List<int> RetryCounts { get; set; } = [];

    /// <summary>When a Wait or a retry delay ends.</summary>
    public DateTimeOffset? ResumeAt { get; set; }

    public string? TaskResource { get; set; }

    public string? TaskInputJson { get; set; }

    public string? TaskKey { get; set; }

    public DateTimeOffset? TaskDeadline { get; set; }

    /// <summary>Parallel / Map: the input of each branch or item.</summary>
    public List<string> ChildInputs { get; set; } = [];

    /// <summary>Parallel / Map: outputs of the branches or items finished so far, in order.</summary>
    public List<string> ChildResults { get; set; } = [];
}

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
public sealed class HistoryEvent
{
    public int Id { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public HistoryEventType Type { get; set; }

    public string? State { get; set; }

    public int? Attempt { get; set; }

    public string? Resource { get; set; }

    public string? IdempotencyKey { get; set; }

    public string? Input { get; set; }

    public string? Output { get; set; }

    public string? Error { get; set; }

    public string? Cause { get; set; }

    /// <summary>When a wait, a retry delay or a task deadline ends.</summary>
    public DateTimeOffset? Until { get; set; }

    /// <summary>Where an error was sent by a catcher.</summary>
    public string? Next { get; set; }
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExecutionState))]
[JsonSerializable(typeof(List<HistoryEvent>))]
internal sealed partial class WorkflowJsonContext : JsonSerializerContext;
