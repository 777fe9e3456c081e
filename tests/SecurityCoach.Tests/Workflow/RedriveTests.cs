using SecurityCoach.Workflow;

namespace SecurityCoach.Tests.Workflow;

public sealed class RedriveTests
{
    private const string Caught = """
        {
          "StartAt": "Prepare",
          "States": {
            "Prepare": { "Type": "Pass", "Result": { "n": 1 }, "ResultPath": "$.prepared", "Next": "Deliver" },
            "Deliver": {
              "Type": "Task", "Resource": "deliver",
              "Retry": [ { "ErrorEquals": [ "E" ], "IntervalSeconds": 1, "MaxAttempts": 1 } ],
              "Catch": [ { "ErrorEquals": [ "States.ALL" ], "ResultPath": "$.error", "Next": "Alert" } ],
              "Next": "Done"
            },
            "Alert": { "Type": "Task", "Resource": "alert", "ResultPath": null, "Next": "Failed" },
            "Failed": { "Type": "Fail", "Error": "Delivery.Failed" },
            "Done": { "Type": "Succeed" }
          }
        }
        """;

    [Fact]
    public void A_caught_failure_resumes_at_the_state_that_caught_it_with_its_input_and_fresh_retriers()
    {
        var runner = new WorkflowRunner(Caught).On("deliver", TaskOutcome.Fail("E"), TaskOutcome.Fail("E"), TaskOutcome.Fail("E"), TaskOutcome.Ok("{}"))
            .On("alert", TaskOutcome.Ok("{}"));
        Assert.IsType<WorkflowCommand.Failed>(runner.Run("""{"user":"u"}"""));
        Assert.Equal(2, runner.Calls.Count(c => c.Resource == "deliver"));

        Assert.Equal("Deliver", runner.Engine.Redrive(runner.State, runner.Now));
        Assert.Equal(ExecutionStatus.Running, runner.State.Status);
        Assert.IsType<WorkflowCommand.Succeeded>(runner.RunToEnd());

        var deliveries = runner.Calls.Where(c => c.Resource == "deliver").ToList();
        // One failure and its retry before, then a new round: the retrier's one retry is available again.
        Assert.Equal(4, deliveries.Count);
        Assert.Equal("""{"user":"u","prepared":{"n":1}}""", deliveries[2].InputJson);
        // A new visit of the state: no idempotency key of the first round is used again.
        Assert.Equal(["exec-1/Deliver/1", "exec-1/Deliver/2", "exec-1/Deliver#2/1", "exec-1/Deliver#2/2"], deliveries.Select(d => d.Key));
        Assert.Contains(runner.State.History, e => e.Type == HistoryEventType.ExecutionRedriven && e.State == "Deliver");
    }

    [Fact]
    public void An_uncaught_failure_resumes_at_the_failing_state()
    {
        const string asl = """
            { "StartAt": "A", "States": { "A": { "Type": "Task", "Resource": "a", "Next": "B" }, "B": { "Type": "Task", "Resource": "b", "End": true } } }
            """;
        var runner = new WorkflowRunner(asl).On("a", TaskOutcome.Ok("""{"x":1}""")).On("b", TaskOutcome.Fail("Boom"), TaskOutcome.Ok("""{"y":2}"""));
        Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal("B", runner.Engine.Redrive(runner.State, runner.Now));
        var end = Assert.IsType<WorkflowCommand.Succeeded>(runner.RunToEnd());
        Assert.Equal("""{"y":2}""", end.OutputJson);
        Assert.Single(runner.Calls, c => c.Resource == "a");
        Assert.Equal("""{"x":1}""", runner.Calls[^1].InputJson);
    }

    [Fact]
    public void A_Fail_state_that_no_error_led_to_is_not_redriven()
    {
        const string asl = """{ "StartAt": "No", "States": { "No": { "Type": "Fail", "Error": "Denied" } } }""";
        var runner = new WorkflowRunner(asl);
        Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Null(runner.Engine.Redrive(runner.State, runner.Now));
        Assert.Equal(ExecutionStatus.Failed, runner.State.Status);
    }

    [Fact]
    public void Only_a_failed_execution_is_redriven()
    {
        var runner = new WorkflowRunner(Caught).On("deliver", TaskOutcome.Ok("{}"));
        Assert.IsType<WorkflowCommand.Succeeded>(runner.Run());

        Assert.Null(runner.Engine.Redrive(runner.State, runner.Now));
        Assert.Equal(ExecutionStatus.Succeeded, runner.State.Status);
    }

    [Fact]
    public void A_failure_inside_a_Parallel_branch_resumes_the_Parallel_state()
    {
        const string asl = """
            {
              "StartAt": "Fan",
              "States": {
                "Fan": {
                  "Type": "Parallel", "End": true,
                  "Branches": [
                    { "StartAt": "One", "States": { "One": { "Type": "Task", "Resource": "one", "End": true } } },
                    { "StartAt": "Two", "States": { "Two": { "Type": "Task", "Resource": "two", "End": true } } }
                  ]
                }
              }
            }
            """;
        var runner = new WorkflowRunner(asl).On("one", TaskOutcome.Ok("1")).On("two", TaskOutcome.Fail("Boom"), TaskOutcome.Ok("2"));
        Assert.IsType<WorkflowCommand.Failed>(runner.Run());

        Assert.Equal("Fan", runner.Engine.Redrive(runner.State, runner.Now));
        var end = Assert.IsType<WorkflowCommand.Succeeded>(runner.RunToEnd());
        Assert.Equal("[1,2]", end.OutputJson);
    }
}
