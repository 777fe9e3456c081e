using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SecurityCoach.Storage;
using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>
/// The trace as grain storage keeps it: a state's input is nearly always the previous state's output, and such a text
/// is written once (the serializer writes a string it has already written as a back-reference), while the trace reads
/// back exactly as it was recorded.
/// </summary>
public sealed class TraceStorageTests : IDisposable
{
    /// <summary>Three tasks and a choice handing one growing document on, as the built-in coaching workflow does.</summary>
    private const string Chain = """
        { "StartAt": "A", "States": {
            "A": { "Type": "Task", "Resource": "work", "ResultPath": "$.a", "Next": "Check" },
            "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.a.ok", "BooleanEquals": true, "Next": "B" } ], "Default": "C" },
            "B": { "Type": "Task", "Resource": "work", "ResultPath": "$.b", "Next": "C" },
            "C": { "Type": "Task", "Resource": "work", "ResultPath": "$.c", "End": true } } }
        """;

    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(ExecutionState).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Each_distinct_text_of_the_trace_is_stored_once_and_the_trace_reads_back_unchanged()
    {
        var runner = new WorkflowRunner(Chain).On("work", TaskOutcome.Ok("""{"ok":true,"note":"a result of some length, as the coaching steps give"}"""));
        var input = "{\"coachingId\":\"" + new string('c', 32) + "\",\"tenantId\":\"acme\",\"userKey\":\"jdoe@acme.example\",\"campaignId\":\"phishing-click\"}";
        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run(input));
        var texts = runner.State.History.SelectMany(e => new[] { e.Input, e.Output }).OfType<string>().ToList();
        var storage = new BinaryGrainStorageSerializer(_services.GetRequiredService<Serializer>());

        var stored = storage.Serialize(runner.State).ToMemory().Length;
        var read = storage.Deserialize<ExecutionState>(storage.Serialize(runner.State))!;
        // The same trace with every text its own copy: what the record would hold if equal texts were written each time.
        var copies = storage.Deserialize<ExecutionState>(storage.Serialize(runner.State))!;
        foreach (var e in copies.History)
        {
            e.Input = e.Input is null ? null : new string(e.Input.AsSpan());
            e.Output = e.Output is null ? null : new string(e.Output.AsSpan());
        }

        Assert.Equal(runner.State.HistoryToJson(), read.HistoryToJson());
        var repeated = texts.Sum(t => t.Length) - texts.Distinct().Sum(t => t.Length);
        Assert.True(repeated > 1_000, $"the chain should repeat its documents ({repeated} characters repeated)");
        var saved = storage.Serialize(copies).ToMemory().Length - stored;
        // Every repeat written as a back-reference (a few bytes) instead of its text (measured: 2,098 bytes against
        // 4,934 with copies; 2,989 when the engine recorded equal texts as separate strings).
        Assert.True(saved >= repeated, $"stored {stored} bytes, {saved} fewer than with every text written out; {repeated} characters are repeats");
    }
}
