using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

/// <summary>The host persists <see cref="ExecutionState"/> after every Advance and may crash at any point.</summary>
public sealed class ResumeTests
{
    private static WorkflowRunner Seed(List<string> ran) =>
        new WorkflowRunner(SeedStateMachineTests.Definition)
            .On(SeedStateMachineTests.CheckRules, call =>
            {
                ran.Add(call.Key);
                return TaskOutcome.Ok(SeedStateMachineTests.MatchedRules);
            })
            .On(SeedStateMachineTests.Trigger, call =>
            {
                ran.Add(call.Key);
                return ran.Count(k => k.Contains("TriggerNotifications", StringComparison.Ordinal)) <= 3
                    ? TaskOutcome.Fail("Lambda.ServiceException", "503")
                    : TaskOutcome.Ok("""{"delivered":1}""");
            });

    [Fact]
    public void State_serialized_mid_retry_resumes_to_the_same_outcome_with_the_same_keys_and_no_step_run_twice()
    {
        var straightRan = new List<string>();
        var straight = Seed(straightRan);
        var expected = straight.Run();

        var ran = new List<string>();
        var first = Seed(ran);
        first.State = first.Engine.Start("exec-1", "{}", first.Now);
        var waits = 0;
        while (waits < 2)
        {
            if (first.Step() is WorkflowCommand.WaitUntil)
            {
                waits++;
            }
        }

        // "Crash": only the persisted JSON survives; a new host with a fresh engine picks it up.
        var persisted = first.State.ToJson();
        var second = Seed(ran);
        second.State = ExecutionState.FromJson(persisted);
        second.Now = first.Now;
        var outcome = second.RunToEnd();

        Assert.Equal(expected, outcome);
        Assert.Equal(straightRan, ran);
        Assert.Equal(ran.Count, ran.Distinct().Count());
        Assert.Equal(straight.State.ToJson(), second.State.ToJson());
    }

    [Fact]
    public void Asking_again_without_a_report_returns_the_same_task_and_key()
    {
        var runner = new WorkflowRunner(SeedStateMachineTests.Definition);
        runner.State = runner.Engine.Start("exec-9", "{}", runner.Now);

        var first = runner.Engine.Advance(runner.State, runner.Now);
        var reloaded = ExecutionState.FromJson(runner.State.ToJson());
        var again = runner.Engine.Advance(reloaded, runner.Now.AddSeconds(1));

        Assert.Equal(first, again);
        Assert.Equal("exec-9/CheckEventsForRuleMatch/1", Assert.IsType<WorkflowCommand.RunTask>(again).IdempotencyKey);
    }

    [Fact]
    public void A_report_for_another_attempt_is_ignored()
    {
        var runner = new WorkflowRunner(SeedStateMachineTests.Definition);
        runner.State = runner.Engine.Start("exec-1", "{}", runner.Now);
        var task = Assert.IsType<WorkflowCommand.RunTask>(runner.Engine.Advance(runner.State, runner.Now));

        var stale = runner.Engine.Advance(runner.State, runner.Now, new WorkflowEvent.TaskSucceeded("exec-1/CheckEventsForRuleMatch/0", "{}"));

        Assert.Equal(task, stale);
    }

    [Fact]
    public void Advancing_before_a_wait_ends_asks_for_the_same_wake_up_time()
    {
        const string asl = """{ "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 30, "End": true } } }""";
        var runner = new WorkflowRunner(asl);
        runner.State = runner.Engine.Start("exec-1", "{}", runner.Now);

        var wait = runner.Engine.Advance(runner.State, runner.Now);
        var early = runner.Engine.Advance(runner.State, runner.Now.AddSeconds(10));
        var done = runner.Engine.Advance(runner.State, runner.Now.AddSeconds(30));

        Assert.Equal(new WorkflowCommand.WaitUntil(WorkflowRunner.T0.AddSeconds(30)), wait);
        Assert.Equal(wait, early);
        Assert.IsType<WorkflowCommand.Succeeded>(done);
    }

    [Fact]
    public void A_finished_execution_keeps_answering_with_its_outcome()
    {
        var runner = new WorkflowRunner(SeedStateMachineTests.Definition)
            .On(SeedStateMachineTests.CheckRules, TaskOutcome.Ok("""{"trigger_payload_exists":false}"""));
        var outcome = runner.Run();

        Assert.Equal(outcome, runner.Engine.Advance(ExecutionState.FromJson(runner.State.ToJson()), runner.Now.AddDays(1)));
    }

    [Fact]
    public void The_persisted_form_is_plain_json_with_enum_names()
    {
        var runner = new WorkflowRunner(SeedStateMachineTests.Definition);
        runner.State = runner.Engine.Start("exec-1", """{"a":1}""", runner.Now);
        runner.Engine.Advance(runner.State, runner.Now);

        var json = runner.State.ToJson();

        Assert.Contains("\"phase\":\"AwaitingTask\"", json, StringComparison.Ordinal);
        Assert.Contains("\"taskKey\":\"exec-1/CheckEventsForRuleMatch/1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"inputJson\":\"{\\\"a\\\":1}\"", json, StringComparison.Ordinal);
    }
}
