using System.Globalization;
using System.Text.Json;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Pipeline;
using SecurityCoach.Tests.Workflow;

namespace SecurityCoach.Tests.Coaching;

/// <summary>
/// Coaching grains running workflows in the two-silo cluster: the seed's own Step Functions definition with its
/// Lambda ARNs mapped to steps, custom definitions, quiet hours, a retry that resumes a failed execution.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CoachingWorkflowTests(ClusterFixture fixture)
{
    private const string Secret = "s3cret-s3cret-s3cret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CoachingRequest Request(string tenantId, string userKey, string eventId, ChannelDefinition[] channels,
        string? workflowName = null, string? workflow = null, QuietHours? quietHours = null) =>
        new(tenantId, userKey, "malware", 1, new CoachingTip("Malware stopped", "You ran {{finding_info.title}}."), channels,
            TestEvents.Detection(tenantId, userKey, eventId), DeliveryLimit: null, TestMode: false, workflowName, workflow, quietHours);

    private async Task<string> NewTenant(string? alertHook = null)
    {
        var tenantId = TestEvents.NewTenantId();
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(tenantId);
        Assert.Equal(TenantCreation.Created, await tenant.Create("Test", Api.Auth.ApiKeys.Hash("test key")));
        if (alertHook is not null)
        {
            Assert.Empty(await tenant.PutSettings(new TenantSettings(new ChannelDefinition("webhook", alertHook, Secret))));
        }

        return tenantId;
    }

    private ICoachingGrain Coaching(string tenantId, string coachingId) => fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId));

    private Task<CoachingView?> CoachingWhen(string tenantId, string coachingId, Func<CoachingView, bool> done, string phase) =>
        Eventually.Until(() => Coaching(tenantId, coachingId).GetView(), v => v is not null && done(v), phase, Timeout);

    private static List<JsonElement> Trace(CoachingView view) => [.. JsonDocument.Parse(view.ExecutionHistoryJson).RootElement.EnumerateArray()];

    private static IEnumerable<string> Of(List<JsonElement> trace, string type, string property) =>
        trace.Where(e => e.GetProperty("type").GetString() == type).Select(e => e.GetProperty(property).GetString()!);

    /// <summary>The seed's definition, with its resources as the fixture maps them (the file's ARNs).</summary>
    private static readonly string Seed = SeedStateMachineTests.Definition;

    [Fact]
    public async Task The_seeds_state_machine_runs_unchanged_and_delivers_after_three_failures()
    {
        var tenantId = await NewTenant();
        var hook = fixture.Webhooks.NewHook(Secret);
        fixture.Webhooks.Script(hook, 500, 502, 503);

        await Coaching(tenantId, "seed-ok").Start(Request(tenantId, "seed@example.com", "evt-seed-ok", [new("webhook", hook, Secret)], "seed", Seed));

        var view = await CoachingWhen(tenantId, "seed-ok", v => v.Summary.Status == CoachingStatus.Delivered, "delivered by the seed's machine");
        Assert.Equal("seed", view!.Workflow);
        Assert.Equal(4, view.Summary.Attempts);
        var requests = fixture.Webhooks.ReceivedAt(hook);
        Assert.Equal([500, 502, 503, 200], requests.Select(r => r.AnsweredStatus));
        Assert.Equal(["seed-ok"], requests.Select(r => r.IdempotencyKey).Distinct());

        var trace = Trace(view);
        Assert.Equal(["CheckEventsForRuleMatch", "FoundMatchingRules", "TriggerNotifications", "Success"], Of(trace, "StateEntered", "state"));
        // The mapped resource raises the error name the seed's Retry expects, and its retrier's waits are 2, 4, 8 s.
        Assert.Equal(Enumerable.Repeat("AllNotificationsFailedException", 3), Of(trace, "TaskFailed", "error"));
        var retries = trace.Where(e => e.GetProperty("type").GetString() == "RetryScheduled")
            .Select(e => (e.GetProperty("until").GetDateTimeOffset() - e.GetProperty("timestamp").GetDateTimeOffset()).TotalSeconds);
        Assert.Equal([2.0, 4, 8], retries);
        Assert.Equal(["seed-ok/TriggerNotifications/1", "seed-ok/TriggerNotifications/2", "seed-ok/TriggerNotifications/3", "seed-ok/TriggerNotifications/4"],
            Of(trace, "TaskScheduled", "idempotencyKey").Where(k => k.Contains("Trigger", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_seeds_state_machine_that_always_fails_ends_Failed_alerts_and_a_retry_resumes_it()
    {
        var alertHook = fixture.Webhooks.NewHook(Secret);
        var tenantId = await NewTenant(alertHook);
        var hook = fixture.Webhooks.NewHook(Secret);
        fixture.Webhooks.Script(hook, Enumerable.Repeat(500, 7).ToArray());

        await Coaching(tenantId, "seed-fail").Start(Request(tenantId, "doomed@example.com", "evt-seed-fail", [new("webhook", hook, Secret)], "seed", Seed));

        // MaxAttempts 6 in the seed's retrier: the first attempt and six retries.
        var failed = await CoachingWhen(tenantId, "seed-fail", v => v.Summary.Status == CoachingStatus.Failed, "failed by the seed's machine");
        Assert.Equal(7, failed!.Summary.Attempts);
        Assert.Equal(["CheckEventsForRuleMatch", "FoundMatchingRules", "TriggerNotifications", "Fail"], Of(Trace(failed), "StateEntered", "state"));
        var listed = await Eventually.Until(() => fixture.Grains.GetGrain<ICoachingFailuresGrain>(tenantId).List(), l => l.Length == 1, "failure listed", Timeout);
        Assert.Contains("500", listed[0].LastError, StringComparison.Ordinal);
        var alert = Assert.Single(await fixture.Webhooks.WaitForAsync(alertHook, 1, Timeout, "alert"));
        Assert.Equal("seed-fail", alert.Body.GetProperty("coachingId").GetString());

        // The receiver works again: the retry resumes at the state whose error the Catch took, not at the Fail state.
        var resumed = await Coaching(tenantId, "seed-fail").Retry();
        Assert.Equal(CoachingStatus.Pending, resumed!.Status);
        var delivered = await CoachingWhen(tenantId, "seed-fail", v => v.Summary.Status == CoachingStatus.Delivered, "delivered after the retry");
        Assert.Equal(8, delivered!.Summary.Attempts);
        var trace = Trace(delivered);
        Assert.Equal("TriggerNotifications", Of(trace, "ExecutionRedriven", "state").Single());
        Assert.Equal("Success", Of(trace, "StateEntered", "state").Last());
        Assert.Empty(await fixture.Grains.GetGrain<ICoachingFailuresGrain>(tenantId).List());
        Assert.Single(fixture.Webhooks.ReceivedAt(alertHook));
    }

    [Fact]
    public async Task A_custom_workflow_chooses_by_vendor_and_fans_out_to_two_channels_in_parallel()
    {
        const string workflow = """
            {
              "StartAt": "ByVendor",
              "States": {
                "ByVendor": {
                  "Type": "Choice",
                  "Choices": [ { "Variable": "$.vendor", "StringEquals": "crowdstrike", "Next": "Render" } ],
                  "Default": "Ignore"
                },
                "Ignore": { "Type": "Succeed" },
                "Render": { "Type": "Task", "Resource": "coach:render-tip", "ResultPath": "$.tip", "Next": "Fanout" },
                "Fanout": {
                  "Type": "Parallel",
                  "ResultPath": "$.fanout",
                  "Branches": [
                    { "StartAt": "Webhook", "States": { "Webhook": { "Type": "Task", "Resource": "coach:deliver-webhook", "Parameters": { "tip.$": "$.tip" }, "End": true } } },
                    { "StartAt": "Slack", "States": { "Slack": { "Type": "Task", "Resource": "coach:deliver-slack", "End": true } } }
                  ],
                  "Next": "Record"
                },
                "Record": { "Type": "Task", "Resource": "coach:record", "Parameters": { "status": "Delivered" }, "End": true }
              }
            }
            """;
        var tenantId = await NewTenant();
        var hook = fixture.Webhooks.NewHook(Secret);
        var slack = fixture.Webhooks.NewHook(Secret);

        await Coaching(tenantId, "fan").Start(Request(tenantId, "fan@example.com", "evt-fan",
            [new("webhook", hook, Secret), new("slack", slack, "")], "fanout", workflow));

        var view = await CoachingWhen(tenantId, "fan", v => v.Summary.Status == CoachingStatus.Delivered, "delivered to both");
        Assert.Equal("You ran Known Malware.", Assert.Single(fixture.Webhooks.ReceivedAt(hook)).Body.GetProperty("tip").GetProperty("body").GetString());
        Assert.Single(fixture.Webhooks.ReceivedAt(slack));
        Assert.Equal(["ByVendor", "Render", "Fanout", "Fanout[0]/Webhook", "Fanout[1]/Slack", "Record"], Of(Trace(view!), "StateEntered", "state"));
    }

    private const string ReportLink = "<https://intranet.acme.example|Report it>";

    [Fact]
    public async Task Slack_gets_the_events_values_escaped_through_the_default_workflow_and_the_campaigns_link_intact()
    {
        var tenantId = await NewTenant();
        var slack = fixture.Webhooks.NewHook(Secret);
        var request = Request(tenantId, "esc@example.com", "evt-esc", [new("slack", slack, "")]) with
        {
            Tip = new CoachingTip("Malware stopped", "You ran {{finding_info.title}}. " + ReportLink),
            Event = TestEvents.Detection(tenantId, "esc@example.com", "evt-esc", title: "<!channel> <https://evil.example|Reset password>"),
        };

        await Coaching(tenantId, "esc").Start(request);

        await CoachingWhen(tenantId, "esc", v => v.Summary.Status == CoachingStatus.Delivered, "delivered to Slack");
        var body = Assert.Single(fixture.Webhooks.ReceivedAt(slack)).Body;
        Assert.Equal($"You ran &lt;!channel&gt; &lt;https://evil.example|Reset password&gt;. {ReportLink}",
            body.GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_tip_the_workflow_builds_itself_reaches_Slack_escaped_whole()
    {
        var workflow = $$"""
            {
              "StartAt": "Own",
              "States": {
                "Own": { "Type": "Pass", "Result": { "title": "t", "body": "{{ReportLink}}" }, "ResultPath": "$.tip", "Next": "Slack" },
                "Slack": { "Type": "Task", "Resource": "coach:deliver-slack", "Parameters": { "tip.$": "$.tip" }, "Next": "Record" },
                "Record": { "Type": "Task", "Resource": "coach:record", "Parameters": { "status": "Delivered" }, "End": true }
              }
            }
            """;
        var tenantId = await NewTenant();
        var slack = fixture.Webhooks.NewHook(Secret);

        await Coaching(tenantId, "own").Start(Request(tenantId, "own@example.com", "evt-own", [new("slack", slack, "")], "own", workflow));

        await CoachingWhen(tenantId, "own", v => v.Summary.Status == CoachingStatus.Delivered, "delivered to Slack");
        Assert.Equal("&lt;https://intranet.acme.example|Report it&gt;",
            Assert.Single(fixture.Webhooks.ReceivedAt(slack)).Body.GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Quiet_hours_hold_the_tip_with_a_wait_until_they_end()
    {
        var tenantId = await NewTenant();
        var hook = fixture.Webhooks.NewHook(Secret);
        var now = DateTimeOffset.UtcNow;
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(2);
        var quiet = new QuietHours(now.AddHours(-1).ToString("HH:mm", CultureInfo.InvariantCulture), end.ToString("HH:mm", CultureInfo.InvariantCulture), "UTC");

        await Coaching(tenantId, "quiet").Start(Request(tenantId, "night@example.com", "evt-quiet", [new("webhook", hook, Secret)], quietHours: quiet));

        var waiting = await CoachingWhen(tenantId, "quiet", v => Of(Trace(v), "WaitStarted", "state").Any(), "waiting for the end of quiet hours");
        Assert.Equal(CoachingStatus.Pending, waiting!.Summary.Status);
        Assert.Empty(fixture.Webhooks.ReceivedAt(hook));
        var wait = Trace(waiting).Single(e => e.GetProperty("type").GetString() == "WaitStarted");
        Assert.Equal(end, wait.GetProperty("until").GetDateTimeOffset());

        // Two minutes of workflow time at most: a few seconds of wall time on the fixture's fast clock.
        var delivered = await CoachingWhen(tenantId, "quiet", v => v.Summary.Status == CoachingStatus.Delivered, "delivered after quiet hours");
        var scheduled = Trace(delivered!).Single(e => e.GetProperty("type").GetString() == "TaskScheduled" && e.GetProperty("state").GetString() == "Deliver");
        Assert.True(scheduled.GetProperty("timestamp").GetDateTimeOffset() >= end, "the delivery must not start before quiet hours end");
        Assert.Single(fixture.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task The_delivery_limit_clock_is_per_user_and_campaign_and_answers_a_resumed_coaching_the_same()
    {
        var tenantId = await NewTenant();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-02-01T09:00:00Z", CultureInfo.InvariantCulture));
        var user = fixture.Grains.GetGrain<IUserGrain>(GrainKeys.User(tenantId, "limited@example.com"));
        var hour = TimeSpan.FromHours(1);
        long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

        Assert.True(await user.ClaimDelivery("phish", "c1", hour, Now()));
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.False(await user.ClaimDelivery("phish", "c2", hour, Now()));
        // The coaching that holds the clock, asking again after a crash, gets the same answer.
        Assert.True(await user.ClaimDelivery("phish", "c1", hour, Now()));
        // Another campaign has its own clock; another user too.
        Assert.True(await user.ClaimDelivery("malware", "c3", hour, Now()));
        Assert.True(await fixture.Grains.GetGrain<IUserGrain>(GrainKeys.User(tenantId, "other@example.com")).ClaimDelivery("phish", "c4", hour, Now()));
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.True(await user.ClaimDelivery("phish", "c5", hour, Now()));
        Assert.False(await user.ClaimDelivery("phish", "c1", hour, Now()));
    }

    [Fact]
    public async Task A_coaching_whose_workflow_is_missing_fails_at_once_and_is_listed()
    {
        var tenantId = await NewTenant();
        var hook = fixture.Webhooks.NewHook(Secret);

        var summary = await Coaching(tenantId, "orphan").Start(Request(tenantId, "orphan@example.com", "evt-orphan", [new("webhook", hook, Secret)], "deleted", workflow: null));

        Assert.Equal(CoachingStatus.Failed, summary.Status);
        var listed = Assert.Single(await fixture.Grains.GetGrain<ICoachingFailuresGrain>(tenantId).List());
        Assert.Contains("Coaching.WorkflowNotFound", listed.LastError, StringComparison.Ordinal);
        Assert.Null(await Coaching(tenantId, "orphan").Retry());
        Assert.Empty(fixture.Webhooks.ReceivedAt(hook));
    }
}
