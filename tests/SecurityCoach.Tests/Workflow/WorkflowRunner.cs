using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>What a test task does when the runner calls it.</summary>
internal abstract record TaskOutcome
{
    public static TaskOutcome Ok(string resultJson) => new Success(resultJson);

    public static TaskOutcome Fail(string error, string? cause = null) => new Failure(error, cause);

    /// <summary>The task never reports: the runner moves the clock to the task's deadline.</summary>
    public static TaskOutcome Hang { get; } = new Silence();

    public sealed record Success(string ResultJson) : TaskOutcome;

    public sealed record Failure(string Error, string? Cause) : TaskOutcome;

    public sealed record Silence : TaskOutcome;
}

internal sealed record TaskCall(string Resource, string InputJson, string Key, DateTimeOffset At, DateTimeOffset Deadline);

/// <summary>
/// A tiny in-memory host: loops <see cref="WorkflowEngine.Advance"/>, runs registered task delegates, and moves a
/// fake clock to each WaitUntil instead of sleeping.
/// </summary>
internal sealed class WorkflowRunner
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, Func<TaskCall, TaskOutcome>> _tasks = [];
    private WorkflowEvent? _pending;

    public WorkflowRunner(string asl, IRandomSource? random = null, Func<string, bool>? isKnownResource = null, WorkflowLimits? limits = null)
    {
        var parsed = StateMachineDefinition.Parse(asl, isKnownResource, limits);
        Assert.True(parsed.IsValid, "definition invalid: " + string.Join("; ", parsed.Errors));
        Engine = new WorkflowEngine(parsed.Definition!, random, limits);
    }

    public WorkflowEngine Engine { get; }

    public ExecutionState State { get; set; } = null!;

    public DateTimeOffset Now { get; set; } = T0;

    public List<TaskCall> Calls { get; } = [];

    /// <summary>Every WaitUntil the engine asked for, as a duration from the moment it was asked.</summary>
    public List<TimeSpan> Waits { get; } = [];

    public IEnumerable<double> WaitSeconds => Waits.Select(w => w.TotalSeconds);

    public WorkflowRunner On(string resource, Func<TaskCall, TaskOutcome> handler)
    {
        _tasks[resource] = handler;
        return this;
    }

    /// <summary>Answers every call with the outcomes in order (the last one repeats).</summary>
    public WorkflowRunner On(string resource, params TaskOutcome[] outcomes)
    {
        var calls = 0;
        return On(resource, _ => outcomes[Math.Min(calls++, outcomes.Length - 1)]);
    }

    public WorkflowCommand Run(string input = "{}", string executionId = "exec-1")
    {
        State = Engine.Start(executionId, input, Now);
        return RunToEnd();
    }

    public WorkflowCommand RunToEnd(int maxSteps = 10_000)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            var command = Step();
            if (command is WorkflowCommand.Succeeded or WorkflowCommand.Failed)
            {
                return command;
            }
        }

        throw new InvalidOperationException($"execution did not finish within {maxSteps} steps");
    }

    /// <summary>One Advance, then does what it says (runs the task, or moves the clock).</summary>
    public WorkflowCommand Step()
    {
        var command = Engine.Advance(State, Now, _pending);
        _pending = null;
        switch (command)
        {
            case WorkflowCommand.RunTask task:
                var call = new TaskCall(task.Resource, task.InputJson, task.IdempotencyKey, Now, task.Deadline);
                Calls.Add(call);
                if (!_tasks.TryGetValue(task.Resource, out var handler))
                {
                    throw new InvalidOperationException($"no task registered for {task.Resource}");
                }

                switch (handler(call))
                {
                    case TaskOutcome.Success ok:
                        _pending = new WorkflowEvent.TaskSucceeded(task.IdempotencyKey, ok.ResultJson);
                        break;
                    case TaskOutcome.Failure failure:
                        _pending = new WorkflowEvent.TaskFailed(task.IdempotencyKey, failure.Error, failure.Cause);
                        break;
                    default:
                        Now = task.Deadline;
                        break;
                }

                break;
            case WorkflowCommand.WaitUntil wait:
                Waits.Add(wait.Until - Now);
                Now = wait.Until;
                break;
        }

        return command;
    }
}

/// <summary>Always the same number: makes FULL jitter and States.UUID predictable.</summary>
internal sealed class FixedRandom(double value) : IRandomSource
{
    public double NextDouble() => value;
}
