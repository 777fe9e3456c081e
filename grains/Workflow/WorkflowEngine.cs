using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>
/// Runs executions of one state machine as a step function over <see cref="ExecutionState"/>: <see cref="Advance"/>
/// moves an execution as far as it can go without the outside world and says what the host must do next (run a
/// task, wake up later, or nothing more: it succeeded or failed). The engine never awaits, sleeps or reads a clock;
/// given the same state, time, report and random source it does the same thing. See README.md beside this file.
/// </summary>
public sealed class WorkflowEngine(StateMachineDefinition definition, IRandomSource? random = null, WorkflowLimits? limits = null)
{
    private readonly IRandomSource _random = random ?? SharedRandomSource.Instance;

    public StateMachineDefinition Definition { get; } = definition;

    /// <summary>What each execution may use; the definition should have been parsed with the same.</summary>
    public WorkflowLimits Limits { get; } = limits ?? WorkflowLimits.Default;

    /// <summary>A new execution, positioned before its first state. Nothing runs until <see cref="Advance"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="inputJson"/> is not JSON.</exception>
    public ExecutionState Start(string executionId, string? inputJson, DateTimeOffset now)
    {
        JsonNode? input;
        try
        {
            input = JsonNode.Parse(string.IsNullOrWhiteSpace(inputJson) ? "{}" : inputJson);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"execution input is not JSON: {e.Message}", nameof(inputJson), e);
        }

        return StartWith(executionId, input, now);
    }

    /// <summary>
    /// A new execution of an input the caller built as a document, which the engine takes over (the caller must not
    /// change it afterwards): it is written out once, and the first state reads the document itself rather than
    /// parsing that text again. Nothing runs until <see cref="Advance"/>.
    /// </summary>
    public ExecutionState Start(string executionId, JsonNode input, DateTimeOffset now) => StartWith(executionId, input, now);

    private ExecutionState StartWith(string executionId, JsonNode? input, DateTimeOffset now)
    {
        var text = Serialize(input);
        var state = new ExecutionState { ExecutionId = executionId, InputJson = text, StartedAt = now };
        var frame = new ExecutionFrame { StateName = Definition.StartAt, InputJson = text, EnteredAt = now };
        KeepInput(frame, input);
        state.Frames.Add(frame);
        if (ExceedsPayload(text))
        {
            // Failed before it starts; the history keeps the size, not the input.
            state.History.Add(new HistoryEvent { Id = 1, Timestamp = now, Type = HistoryEventType.ExecutionStarted, Input = TruncatedMarker(text) });
            new Step(this, state, now).FailExecution(ErrorNames.DataLimitExceeded, PayloadCause("The execution's input", text));
            return state;
        }

        state.HistoryTextChars = text.Length;
        state.History.Add(new HistoryEvent { Id = 1, Timestamp = now, Type = HistoryEventType.ExecutionStarted, Input = text });
        return state;
    }

    /// <summary>
    /// Moves the execution on (changing <paramref name="state"/> in place; persist it afterwards) and returns what
    /// the host must do next. Call it again with the task's report, when a <see cref="WorkflowCommand.WaitUntil"/>
    /// time has come, or at a task's deadline. A report whose key is not the task being awaited is ignored, and
    /// calling Advance twice without news returns the same command, so a host that resumes after a crash simply
    /// calls Advance again.
    /// </summary>
    public WorkflowCommand Advance(ExecutionState state, DateTimeOffset now, WorkflowEvent? report = null) =>
        new Step(this, state, now).Run(report);

    /// <summary>
    /// Resumes a Failed execution, as Step Functions' redrive does: from the top-level state whose error failed it,
    /// with the input it last entered that state with, its retriers starting over. When the execution ended in a Fail
    /// state on a path a Catch chose, it resumes at the state whose error was caught (the Fail state would only fail
    /// again). Tasks run on a resumed execution get new idempotency keys (a new visit of the state). Returns the state
    /// it resumes at, or null (nothing changes) when the execution is not Failed or ended in a Fail state no error led
    /// to.
    /// </summary>
    public string? Redrive(ExecutionState state, DateTimeOffset now)
    {
        if (state.Status != ExecutionStatus.Failed)
        {
            return null;
        }

        string? resumeAt = null;
        for (var i = state.History.Count - 1; i >= 0 && resumeAt is null; i--)
        {
            var e = state.History[i];
            if (e.State is not { } name || name.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            if (e.Type == HistoryEventType.ErrorCaught
                || (e.Type == HistoryEventType.StateFailed && Definition.States.TryGetValue(name, out var failed) && failed.Type != StateType.Fail))
            {
                resumeAt = name;
            }
        }

        if (resumeAt is null)
        {
            return null;
        }

        var input = state.History.LastOrDefault(e => e.Type == HistoryEventType.StateEntered && e.State == resumeAt)?.Input ?? state.InputJson;
        state.Status = ExecutionStatus.Running;
        // The retry budget starts over with the retriers; the transition count does not, so a loop stays stopped.
        state.Retries = 0;
        state.RetryWaitSeconds = 0;
        state.Error = null;
        state.Cause = null;
        state.CompletedAt = null;
        state.Frames = [new ExecutionFrame { StateName = resumeAt, InputJson = input, EnteredAt = now }];
        state.History.Add(new HistoryEvent { Id = state.History.Count + 1, Timestamp = now, Type = HistoryEventType.ExecutionRedriven, State = resumeAt, Input = input });
        return resumeAt;
    }

    private static string Serialize(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>Whether a JSON text is over <see cref="WorkflowLimits.MaxPayloadBytes"/> in UTF-8 (a char is at least one byte, at most three).</summary>
    private bool ExceedsPayload(string json) =>
        json.Length > Limits.MaxPayloadBytes
        || (json.Length * 3L > Limits.MaxPayloadBytes && System.Text.Encoding.UTF8.GetByteCount(json) > Limits.MaxPayloadBytes);

    private string PayloadCause(string what, string json) =>
        $"{what} is {System.Text.Encoding.UTF8.GetByteCount(json)} bytes, over the {Limits.MaxPayloadBytes}-byte payload limit.";

    /// <summary>What the history records in place of a text it no longer keeps: still JSON, and says how long it was.</summary>
    private static string TruncatedMarker(string text) => $"{{\"truncated\":true,\"length\":{text.Length}}}";

    private static JsonNode? Parse(string json) => JsonNode.Parse(json);

    /// <summary>
    /// The current state's input as a document the caller now owns (and may change): the one kept by the last
    /// <see cref="KeepInput"/> while it is still the frame's input, else parsed from it. Taking empties the cache, so
    /// a document half-changed by a failed step is never handed out again.
    /// </summary>
    private static JsonNode? TakeInput(ExecutionFrame frame)
    {
        var kept = frame.ParsedInput;
        frame.ParsedInput = null;
        return kept is { } k && ReferenceEquals(k.Json, frame.InputJson) ? k.Node : Parse(frame.InputJson);
    }

    /// <summary>Keeps <paramref name="node"/>, equal to the frame's input and held by nobody else, for the next <see cref="TakeInput"/>.</summary>
    private static void KeepInput(ExecutionFrame frame, JsonNode? node) => frame.ParsedInput = new(frame.InputJson, node);

    private sealed class Step(WorkflowEngine engine, ExecutionState state, DateTimeOffset now)
    {
        private DateTimeOffset? MachineDeadline =>
            engine.Definition.TimeoutSeconds is { } seconds ? state.StartedAt.AddSeconds(seconds) : null;

        private ExecutionFrame Top => state.Frames[^1];

        public WorkflowCommand Run(WorkflowEvent? report)
        {
            switch (state.Status)
            {
                case ExecutionStatus.Succeeded:
                    return new WorkflowCommand.Succeeded(state.OutputJson ?? "null");
                case ExecutionStatus.Failed:
                    return new WorkflowCommand.Failed(state.Error, state.Cause);
            }

            while (true)
            {
                if (MachineDeadline is { } deadline && now >= deadline)
                {
                    return FailExecution(ErrorNames.Timeout, $"The execution ran longer than its TimeoutSeconds ({engine.Definition.TimeoutSeconds}).");
                }

                if (state.History.Count >= engine.Limits.MaxHistoryEvents)
                {
                    return FailExecution(ErrorNames.Runtime, $"The execution history reached its limit of {engine.Limits.MaxHistoryEvents} events.");
                }

                var frame = Top;
                var definition = StateOf(state.Frames.Count - 1);
                WorkflowCommand? command;
                switch (frame.Phase)
                {
                    case FramePhase.Ready:
                        command = RunState(frame, definition);
                        break;
                    case FramePhase.AwaitingTask when report is not null && report.IdempotencyKey == frame.TaskKey:
                        command = OnReport(frame, definition, report);
                        report = null;
                        break;
                    case FramePhase.AwaitingTask when now >= frame.TaskDeadline:
                        Record(HistoryEventType.TaskFailed, frame, attempt: frame.Attempt, key: frame.TaskKey, error: ErrorNames.Timeout,
                            cause: "The task did not report before its deadline.");
                        command = RaiseError(frame, definition, ErrorNames.Timeout, "The task did not report before its deadline.");
                        break;
                    case FramePhase.AwaitingTask:
                        return RunTaskCommand(frame);
                    case FramePhase.Waiting or FramePhase.Retrying when now < frame.ResumeAt:
                        return new WorkflowCommand.WaitUntil(Earliest(frame.ResumeAt!.Value, MachineDeadline));
                    case FramePhase.Waiting:
                        command = Guard(frame, definition, () =>
                            Transition(frame, definition, ApplyPath(definition.OutputPath, ApplyPath(definition.InputPath, TakeInput(frame))), definition.Next));
                        break;
                    case FramePhase.Retrying:
                        frame.Phase = FramePhase.Ready;
                        frame.ResumeAt = null;
                        command = null;
                        break;
                    default:
                        throw new InvalidOperationException($"execution {state.ExecutionId}: frame '{frame.Scope}{frame.StateName}' waits for children that are not running");
                }

                if (command is not null)
                {
                    return command;
                }
            }
        }

        private static DateTimeOffset Earliest(DateTimeOffset time, DateTimeOffset? other) => other is { } o && o < time ? o : time;

        private StateDefinition StateOf(int frameIndex) => MachineOf(frameIndex).States[state.Frames[frameIndex].StateName];

        private StateMachineDefinition MachineOf(int frameIndex)
        {
            var machine = engine.Definition;
            for (var k = 1; k <= frameIndex; k++)
            {
                var parent = machine.States[state.Frames[k - 1].StateName];
                machine = parent.Type == StateType.Parallel ? parent.Branches[state.Frames[k].ChildIndex] : parent.ItemProcessor!;
            }

            return machine;
        }

        private WorkflowCommand? Guard(ExecutionFrame frame, StateDefinition definition, Func<WorkflowCommand?> body)
        {
            try
            {
                return body();
            }
            catch (WorkflowError e)
            {
                return RaiseError(frame, definition, e.Error, e.Message);
            }
        }

        private WorkflowCommand? RunState(ExecutionFrame frame, StateDefinition definition)
        {
            if (frame.Attempt == 0)
            {
                // Counted over the execution's life, so a loop through tasks or waits ends too, not only one that never yields.
                if (++state.Transitions > engine.Limits.MaxTransitions)
                {
                    return FailExecution(ErrorNames.Runtime, $"The execution entered more than {engine.Limits.MaxTransitions} states (its transition limit).");
                }

                var qualified = frame.Scope + frame.StateName;
                state.Visits[qualified] = state.Visits.GetValueOrDefault(qualified) + 1;
                Record(HistoryEventType.StateEntered, frame, input: frame.InputJson);
            }

            frame.Attempt++;
            return Guard(frame, definition, () =>
            {
                var raw = TakeInput(frame);
                switch (definition.Type)
                {
                    case StateType.Pass:
                        var passInput = EffectiveInput(frame, definition, raw);
                        return CompleteWithResult(frame, definition, definition.HasResult ? definition.Result?.DeepClone() : passInput);
                    case StateType.Task:
                        return ScheduleTask(frame, definition, raw);
                    case StateType.Choice:
                        return Choose(frame, definition, raw);
                    case StateType.Wait:
                        StartWait(frame, definition, raw);
                        KeepInput(frame, raw);
                        return null;
                    case StateType.Succeed:
                        return Transition(frame, definition, ApplyPath(definition.OutputPath, ApplyPath(definition.InputPath, raw)), next: null);
                    case StateType.Fail:
                        return FailState(frame, definition, raw);
                    case StateType.Parallel:
                        var branchInput = Serialize(EffectiveInput(frame, definition, raw));
                        frame.ChildInputs = [.. Enumerable.Repeat(branchInput, definition.Branches.Count)];
                        return StartChildren(frame, definition);
                    default:
                        frame.ChildInputs = MapItems(frame, definition, raw);
                        return StartChildren(frame, definition);
                }
            });
        }

        private JsonNode? EffectiveInput(ExecutionFrame frame, StateDefinition definition, JsonNode? raw)
        {
            var input = ApplyPath(definition.InputPath, raw);
            return definition.Parameters is null ? input : definition.Parameters.Apply(Scope(frame, input), ErrorNames.ParameterPathFailure);
        }

        private WorkflowCommand.RunTask ScheduleTask(ExecutionFrame frame, StateDefinition definition, JsonNode? raw)
        {
            var qualified = frame.Scope + frame.StateName;
            var visits = state.Visits.GetValueOrDefault(qualified, 1);
            frame.TaskKey = visits > 1
                ? $"{state.ExecutionId}/{qualified}#{visits}/{frame.Attempt}"
                : $"{state.ExecutionId}/{qualified}/{frame.Attempt}";
            var input = ApplyPath(definition.InputPath, raw);
            var timeout = definition.TimeoutSeconds ?? PositiveSeconds(definition.TimeoutSecondsPath, input) ?? StateMachineDefinition.DefaultTaskTimeoutSeconds;
            var taskInput = definition.Parameters is null ? input : definition.Parameters.Apply(Scope(frame, input), ErrorNames.ParameterPathFailure);
            frame.TaskResource = definition.Resource;
            // Without Parameters and with InputPath "$" the task's input is the state's input, untouched: its text is
            // the frame's (TakeInput's document always equals it), so it is not written out again.
            frame.TaskInputJson = ReferenceEquals(taskInput, raw) ? frame.InputJson : Serialize(taskInput);
            // Only read (selections copy what they take): the task's result goes into this same document.
            KeepInput(frame, raw);
            frame.TaskDeadline = now.AddSeconds(timeout);
            frame.Phase = FramePhase.AwaitingTask;
            Record(HistoryEventType.TaskScheduled, frame, attempt: frame.Attempt, resource: definition.Resource, key: frame.TaskKey,
                input: frame.TaskInputJson, until: frame.TaskDeadline);
            return RunTaskCommand(frame);
        }

        private int? PositiveSeconds(JsonPath? path, JsonNode? input)
        {
            if (path is null)
            {
                return null;
            }

            return path.TrySelect(input, out var value) && value is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                && v.GetValue<double>() is var d && d >= 1 && d == Math.Floor(d) && d <= int.MaxValue
                ? (int)d
                : throw new WorkflowError(ErrorNames.Runtime, $"'{path}' must select a positive integer number of seconds");
        }

        private WorkflowCommand.RunTask RunTaskCommand(ExecutionFrame frame) =>
            new(frame.TaskResource!, frame.TaskInputJson!, frame.TaskKey!, Earliest(frame.TaskDeadline!.Value, MachineDeadline));

        private WorkflowCommand? OnReport(ExecutionFrame frame, StateDefinition definition, WorkflowEvent report)
        {
            var key = frame.TaskKey;
            frame.TaskKey = null;
            frame.TaskDeadline = null;
            frame.TaskInputJson = null;
            frame.TaskResource = null;
            switch (report)
            {
                case WorkflowEvent.TaskSucceeded succeeded when engine.ExceedsPayload(succeeded.ResultJson):
                    var cause = engine.PayloadCause("The task's result", succeeded.ResultJson);
                    Record(HistoryEventType.TaskFailed, frame, attempt: frame.Attempt, key: key, error: ErrorNames.DataLimitExceeded, cause: cause);
                    return FailExecution(ErrorNames.DataLimitExceeded, cause);
                case WorkflowEvent.TaskSucceeded succeeded:
                    JsonNode? result;
                    try
                    {
                        result = Parse(succeeded.ResultJson);
                    }
                    catch (JsonException e)
                    {
                        Record(HistoryEventType.TaskFailed, frame, attempt: frame.Attempt, key: key, error: ErrorNames.Runtime, cause: e.Message);
                        return FailExecution(ErrorNames.Runtime, $"The task's result is not JSON: {e.Message}");
                    }

                    // The trace keeps the result as the task reported it (valid JSON, just parsed) rather than writing it out again.
                    Record(HistoryEventType.TaskSucceeded, frame, attempt: frame.Attempt, key: key, output: succeeded.ResultJson);
                    return CompleteWithResult(frame, definition, result);
                case WorkflowEvent.TaskFailed failed:
                    Record(HistoryEventType.TaskFailed, frame, attempt: frame.Attempt, key: key, error: failed.Error, cause: failed.Cause);
                    return RaiseError(frame, definition, failed.Error, failed.Cause);
                default:
                    throw new ArgumentException($"unknown report {report.GetType().Name}", nameof(report));
            }
        }

        private WorkflowCommand? Choose(ExecutionFrame frame, StateDefinition definition, JsonNode? raw)
        {
            var input = ApplyPath(definition.InputPath, raw);
            var scope = Scope(frame, input);
            string? next = null;
            foreach (var (rule, target) in definition.Choices)
            {
                if (rule.Evaluate(scope))
                {
                    next = target;
                    break;
                }
            }

            next ??= definition.Default ?? throw new WorkflowError(ErrorNames.NoChoiceMatched, $"No choice rule of '{frame.StateName}' matched and it has no Default.");
            var output = ApplyPath(definition.OutputPath, input);
            // Rules only read (selections copy), so with both paths "$" the output is the input document unchanged.
            return Transition(frame, definition, output, next, ReferenceEquals(output, raw) ? frame.InputJson : null);
        }

        private void StartWait(ExecutionFrame frame, StateDefinition definition, JsonNode? raw)
        {
            var input = ApplyPath(definition.InputPath, raw);
            DateTimeOffset until;
            if (definition.Seconds is { } seconds)
            {
                until = now.AddSeconds(seconds);
            }
            else if (definition.Timestamp is { } timestamp)
            {
                until = timestamp;
            }
            else if (definition.SecondsPath is { } secondsPath)
            {
                until = secondsPath.TrySelect(input, out var value) && value is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                    && v.GetValue<double>() is var d && d >= 0 && d == Math.Floor(d)
                    ? now.AddSeconds(d)
                    : throw new WorkflowError(ErrorNames.Runtime, $"SecondsPath '{secondsPath}' must select a non-negative integer");
            }
            else
            {
                var timestampPath = definition.TimestampPath!;
                until = timestampPath.TrySelect(input, out var value) && value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                    && Timestamps.TryParse(v.GetValue<string>(), out var t)
                    ? t
                    : throw new WorkflowError(ErrorNames.Runtime, $"TimestampPath '{timestampPath}' must select an RFC 3339 timestamp");
            }

            frame.ResumeAt = until;
            frame.Phase = FramePhase.Waiting;
            Record(HistoryEventType.WaitStarted, frame, until: until);
        }

        private WorkflowCommand? FailState(ExecutionFrame frame, StateDefinition definition, JsonNode? raw)
        {
            var error = definition.Error ?? SelectString(definition.ErrorPath, raw);
            var cause = definition.Cause ?? SelectString(definition.CausePath, raw);
            Record(HistoryEventType.StateFailed, frame, error: error, cause: cause);
            return FrameFailed(error, cause);
        }

        private static string? SelectString(JsonPath? path, JsonNode? input)
        {
            if (path is null)
            {
                return null;
            }

            return path.TrySelect(input, out var value) && value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : throw new WorkflowError(ErrorNames.Runtime, $"'{path}' must select a string");
        }

        private List<string> MapItems(ExecutionFrame frame, StateDefinition definition, JsonNode? raw)
        {
            var input = ApplyPath(definition.InputPath, raw);
            if (!definition.ItemsPath.TrySelect(input, out var selected) || selected is not JsonArray items)
            {
                throw new WorkflowError(ErrorNames.Runtime, $"ItemsPath '{definition.ItemsPath}' must select an array");
            }

            var inputs = new List<string>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (definition.ItemSelector is null)
                {
                    inputs.Add(Serialize(item));
                    continue;
                }

                var index = i;
                var scope = new EvaluationScope(input, () =>
                {
                    var context = Context(frame);
                    context["Map"] = new JsonObject { ["Item"] = new JsonObject { ["Index"] = index, ["Value"] = item?.DeepClone() } };
                    return context;
                }, engine._random);
                inputs.Add(Serialize(definition.ItemSelector.Apply(scope, ErrorNames.ParameterPathFailure)));
            }

            return inputs;
        }

        private WorkflowCommand? StartChildren(ExecutionFrame frame, StateDefinition definition)
        {
            frame.ChildResults = [];
            if (frame.ChildInputs.Count == 0)
            {
                return CompleteWithResult(frame, definition, new JsonArray());
            }

            frame.Phase = FramePhase.RunningChildren;
            PushChild(frame, definition, 0);
            return null;
        }

        private void PushChild(ExecutionFrame parent, StateDefinition parentDefinition, int index)
        {
            var machine = parentDefinition.Type == StateType.Parallel ? parentDefinition.Branches[index] : parentDefinition.ItemProcessor!;
            state.Frames.Add(new ExecutionFrame
            {
                Scope = $"{parent.Scope}{parent.StateName}[{index}]/",
                ChildIndex = index,
                StateName = machine.StartAt,
                InputJson = parent.ChildInputs[index],
                EnteredAt = now,
            });
        }

        /// <summary>ResultSelector, ResultPath and OutputPath over a state's result, then on to Next.</summary>
        private WorkflowCommand? CompleteWithResult(ExecutionFrame frame, StateDefinition definition, JsonNode? result) =>
            Guard(frame, definition, () =>
            {
                if (definition.ResultSelector is not null)
                {
                    result = definition.ResultSelector.Apply(Scope(frame, result), ErrorNames.ParameterPathFailure);
                }

                var output = ApplyResultPath(definition.ResultPath, TakeInput(frame), result);
                return Transition(frame, definition, ApplyPath(definition.OutputPath, output), definition.Next);
            });

        private static JsonNode? ApplyResultPath(JsonPath? resultPath, JsonNode? raw, JsonNode? result)
        {
            if (resultPath is null)
            {
                return raw;
            }

            return resultPath.TrySet(raw, result, out var output)
                ? output
                : throw new WorkflowError(ErrorNames.ResultPathMatchFailure, $"Unable to apply ResultPath '{resultPath}' to the state's input.");
        }

        /// <summary>
        /// InputPath / OutputPath / ItemsPath-style selection on a document the engine owns and drops after the call:
        /// <c>$</c> (the default) hands the document on as it is. Any other path copies what it selects, so the result
        /// never shares nodes with the input.
        /// </summary>
        private static JsonNode? ApplyPath(JsonPath? path, JsonNode? input)
        {
            if (path is null)
            {
                return new JsonObject();
            }

            if (path.IsRoot && !path.IsContext)
            {
                // A deep copy of the whole document, twice per state, was the engine's largest allocation.
                return input;
            }

            return path.TrySelect(input, out var value)
                ? value
                : throw new WorkflowError(ErrorNames.Runtime, $"Invalid path '{path}': no value at this path in the input.");
        }

        /// <summary>
        /// Leaves the current state: on to <paramref name="next"/>, or the frame ends when it is null. A caller that
        /// passes the input on unchanged gives its text as <paramref name="outputText"/>, which is then not written out again.
        /// </summary>
        private WorkflowCommand? Transition(ExecutionFrame frame, StateDefinition definition, JsonNode? output, string? next, string? outputText = null)
        {
            var outputJson = outputText ?? Serialize(output);
            if (engine.ExceedsPayload(outputJson))
            {
                var cause = engine.PayloadCause($"The output of '{frame.StateName}'", outputJson);
                Record(HistoryEventType.StateFailed, frame, error: ErrorNames.DataLimitExceeded, cause: cause);
                return FailExecution(ErrorNames.DataLimitExceeded, cause);
            }

            Record(HistoryEventType.StateExited, frame, output: outputJson, next: next);
            if (next is null)
            {
                return FrameSucceeded(outputJson);
            }

            frame.StateName = next;
            frame.InputJson = outputJson;
            KeepInput(frame, output);
            frame.Phase = FramePhase.Ready;
            frame.EnteredAt = now;
            frame.Attempt = 0;
            frame.RetryCounts = [];
            frame.ResumeAt = null;
            frame.TaskKey = null;
            frame.TaskDeadline = null;
            frame.TaskInputJson = null;
            frame.TaskResource = null;
            frame.ChildInputs = [];
            frame.ChildResults = [];
            return null;
        }

        private WorkflowCommand? FrameSucceeded(string outputJson)
        {
            if (state.Frames.Count == 1)
            {
                state.Status = ExecutionStatus.Succeeded;
                state.OutputJson = outputJson;
                state.CompletedAt = now;
                Record(HistoryEventType.ExecutionSucceeded, null, output: outputJson);
                return new WorkflowCommand.Succeeded(outputJson);
            }

            state.Frames.RemoveAt(state.Frames.Count - 1);
            var parent = Top;
            var parentDefinition = StateOf(state.Frames.Count - 1);
            parent.ChildResults.Add(outputJson);
            if (parent.ChildResults.Count < parent.ChildInputs.Count)
            {
                PushChild(parent, parentDefinition, parent.ChildResults.Count);
                return null;
            }

            var results = new JsonArray();
            foreach (var result in parent.ChildResults)
            {
                results.Add(Parse(result));
            }

            parent.Phase = FramePhase.Ready;
            parent.ChildInputs = [];
            parent.ChildResults = [];
            return CompleteWithResult(parent, parentDefinition, results);
        }

        private WorkflowCommand? FrameFailed(string? error, string? cause)
        {
            if (state.Frames.Count == 1)
            {
                return FailExecution(error, cause);
            }

            state.Frames.RemoveAt(state.Frames.Count - 1);
            var parent = Top;
            parent.Phase = FramePhase.Ready;
            parent.ChildInputs = [];
            parent.ChildResults = [];
            return RaiseError(parent, StateOf(state.Frames.Count - 1), error, cause);
        }

        /// <summary>The state failed: retry it, catch the error, or fail its frame (the spec's order).</summary>
        private WorkflowCommand? RaiseError(ExecutionFrame frame, StateDefinition definition, string? error, string? cause)
        {
            var name = error ?? "";
            if (ErrorNames.IsTerminal(name))
            {
                Record(HistoryEventType.StateFailed, frame, error: error, cause: cause);
                return FailExecution(error, cause);
            }

            for (var i = 0; i < definition.Retry.Count; i++)
            {
                var retrier = definition.Retry[i];
                if (!ErrorNames.Matches(retrier.ErrorEquals, name))
                {
                    continue;
                }

                while (frame.RetryCounts.Count < definition.Retry.Count)
                {
                    frame.RetryCounts.Add(0);
                }

                // Only the first matching retrier counts; once it is spent — or the execution's retry budget is — the
                // error goes to the catchers.
                var delay = RetryDelay(retrier, frame.RetryCounts[i] + 1);
                if (frame.RetryCounts[i] < retrier.MaxAttempts
                    && state.Retries < engine.Limits.MaxRetriesPerExecution
                    && state.RetryWaitSeconds + delay.TotalSeconds <= engine.Limits.MaxRetryWait.TotalSeconds)
                {
                    frame.RetryCounts[i]++;
                    state.Retries++;
                    state.RetryWaitSeconds += delay.TotalSeconds;
                    frame.ResumeAt = now + delay;
                    frame.Phase = FramePhase.Retrying;
                    Record(HistoryEventType.RetryScheduled, frame, attempt: frame.Attempt, error: error, cause: cause, until: frame.ResumeAt);
                    return null;
                }

                break;
            }

            foreach (var catcher in definition.Catch)
            {
                if (!ErrorNames.Matches(catcher.ErrorEquals, name))
                {
                    continue;
                }

                var errorOutput = new JsonObject { ["Error"] = error, ["Cause"] = cause };
                JsonNode? output;
                try
                {
                    output = ApplyResultPath(catcher.ResultPath, TakeInput(frame), errorOutput);
                }
                catch (WorkflowError e)
                {
                    Record(HistoryEventType.StateFailed, frame, error: e.Error, cause: e.Message);
                    return FrameFailed(e.Error, e.Message);
                }

                Record(HistoryEventType.ErrorCaught, frame, error: error, cause: cause, next: catcher.Next);
                return Transition(frame, definition, output, catcher.Next);
            }

            Record(HistoryEventType.StateFailed, frame, error: error, cause: cause);
            return FrameFailed(error, cause);
        }

        private TimeSpan RetryDelay(Retrier retrier, int retry)
        {
            var seconds = retrier.IntervalSeconds * Math.Pow(retrier.BackoffRate, retry - 1);
            if (retrier.MaxDelaySeconds is { } cap && seconds > cap)
            {
                seconds = cap;
            }

            if (retrier.Jitter == JitterStrategy.Full)
            {
                seconds *= engine._random.NextDouble();
            }

            // TimeSpan tops out near 29,000 years; a huge backoff is effectively "never".
            return TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));
        }

        public WorkflowCommand.Failed FailExecution(string? error, string? cause)
        {
            state.Status = ExecutionStatus.Failed;
            state.Error = error;
            state.Cause = cause;
            state.CompletedAt = now;
            Record(HistoryEventType.ExecutionFailed, null, error: error, cause: cause);
            return new WorkflowCommand.Failed(error, cause);
        }

        private EvaluationScope Scope(ExecutionFrame frame, JsonNode? input) => new(input, () => Context(frame), engine._random);

        /// <summary>The <c>$$</c> context object: execution, state, and the task token (the idempotency key).</summary>
        private JsonObject Context(ExecutionFrame frame)
        {
            var context = new JsonObject
            {
                ["Execution"] = new JsonObject
                {
                    ["Id"] = state.ExecutionId,
                    ["Name"] = state.ExecutionId,
                    ["Input"] = Parse(state.InputJson),
                    ["StartTime"] = Timestamps.Format(state.StartedAt),
                },
                ["State"] = new JsonObject
                {
                    ["Name"] = frame.StateName,
                    ["EnteredTime"] = Timestamps.Format(frame.EnteredAt),
                    ["RetryCount"] = Math.Max(0, frame.Attempt - 1),
                },
            };
            if (frame.TaskKey is not null)
            {
                context["Task"] = new JsonObject { ["Token"] = frame.TaskKey };
            }

            return context;
        }

        /// <summary>Trace events <see cref="Shared"/> looks back over: far enough for an input to find the output before it.</summary>
        private const int RecentTraceEvents = 4;

        /// <summary>
        /// A JSON text equal to one of the last few trace events' is recorded as that same string: the grain-state
        /// serializer writes a string it has already written in the record as a back-reference, and a state's input
        /// is nearly always the previous state's output, so most trace texts repeat one just before them and are stored
        /// once (bench/README.md, "Figures behind code comments"). The trace reads the same.
        /// </summary>
        private string? Shared(string? text)
        {
            if (text is null)
            {
                return null;
            }

            if (Recent(text) is { } shared)
            {
                return shared;
            }

            if (state.HistoryTextChars + text.Length > engine.Limits.MaxHistoryTextChars)
            {
                return TruncatedMarker(text);
            }

            state.HistoryTextChars += text.Length;
            return text;
        }

        /// <summary>The same text held by one of the last few trace events, if one does.</summary>
        private string? Recent(string text)
        {
            var history = state.History;
            for (var i = history.Count - 1; i >= 0 && i >= history.Count - RecentTraceEvents; i--)
            {
                var recent = history[i];
                if (recent.Output is { } output && string.Equals(output, text, StringComparison.Ordinal))
                {
                    return output;
                }

                if (recent.Input is { } input && string.Equals(input, text, StringComparison.Ordinal))
                {
                    return input;
                }
            }

            return null;
        }

        private void Record(
            HistoryEventType type,
            ExecutionFrame? frame,
            int? attempt = null,
            string? resource = null,
            string? key = null,
            string? input = null,
            string? output = null,
            string? error = null,
            string? cause = null,
            DateTimeOffset? until = null,
            string? next = null) =>
            state.History.Add(new HistoryEvent
            {
                Id = state.History.Count + 1,
                Timestamp = now,
                Type = type,
                State = frame is null ? null : frame.Scope + frame.StateName,
                Attempt = attempt,
                Resource = resource,
                IdempotencyKey = key,
                Input = Shared(input),
                Output = Shared(output),
                Error = error,
                Cause = cause,
                Until = until,
                Next = next,
            });
    }
}
