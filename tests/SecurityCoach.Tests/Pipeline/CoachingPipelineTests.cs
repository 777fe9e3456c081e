using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Users;

namespace SecurityCoach.Tests.Pipeline;

/// <summary>
/// Event → score → coaching → webhook, in a real two-silo cluster. Events enter at the stream, as the ingest API
/// publishes them; the webhook is a real HTTP server that checks every signature.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CoachingPipelineTests(ClusterFixture fixture)
{
    private const string Secret = "s3cret-s3cret-s3cret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private async Task<(string TenantId, string HookUrl)> TenantWithCampaign(
        string pattern = """{"class_uid":[2004]}""",
        double weight = 10,
        TimeSpan? deliveryLimit = null,
        bool testMode = false,
        string campaignId = "malware",
        string tipBody = "You ran {{finding_info.title}} on {{device.hostname}}.")
    {
        var tenantId = TestEvents.NewTenantId();
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(tenantId);
        Assert.Equal(TenantCreation.Created, await tenant.Create("Test", Api.Auth.ApiKeys.Hash("test key")));
        var hook = fixture.Webhooks.NewHook(Secret);
        await PutCampaign(tenantId, campaignId, pattern, weight, [new ChannelDefinition("webhook", hook, Secret)], deliveryLimit, testMode, tipBody);
        return (tenantId, hook);
    }

    private async Task PutCampaign(string tenantId, string campaignId, string pattern, double weight, ChannelDefinition[] channels,
        TimeSpan? deliveryLimit = null, bool testMode = false, string tipBody = "Be careful.")
    {
        var definition = new CampaignDefinition("Malware", pattern, weight, new CoachingTip("Malware stopped", tipBody), channels, deliveryLimit, testMode);
        var result = await fixture.Grains.GetGrain<ITenantGrain>(tenantId).PutCampaign(campaignId, definition);
        Assert.True(result.Errors.Length == 0, string.Join("; ", result.Errors.Select(e => $"{e.Field}: {e.Problem}")));
    }

    private IUserGrain User(string tenantId, string userKey) => fixture.Grains.GetGrain<IUserGrain>(GrainKeys.User(tenantId, userKey));

    private Task<UserView?> UserWhen(string tenantId, string userKey, Func<UserView, bool> done, string phase) =>
        Eventually.Until(() => User(tenantId, userKey).GetView(), v => v is not null && done(v), phase, Timeout);

    private Task<CoachingView?> CoachingWhen(string tenantId, string coachingId, Func<CoachingView, bool> done, string phase) =>
        Eventually.Until(() => fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId)).GetView(), v => v is not null && done(v), phase, Timeout);

    [Fact]
    public async Task Matched_event_raises_risk_and_delivers_a_signed_tip_to_the_webhook()
    {
        var (tenantId, hook) = await TenantWithCampaign();

        await fixture.Publish(TestEvents.Detection(tenantId, "jdoe@example.com", "evt-1"));

        var received = Assert.Single(await fixture.Webhooks.WaitForAsync(hook, 1, Timeout, "first delivery"));
        Assert.True(received.SignatureValid, "the X-SecurityCoach-Signature header must be the HMAC-SHA256 of the body under the channel secret");
        var body = received.Body;
        Assert.Equal(tenantId, body.GetProperty("tenantId").GetString());
        Assert.Equal("jdoe@example.com", body.GetProperty("userKey").GetString());
        Assert.Equal("malware", body.GetProperty("campaignId").GetString());
        Assert.Equal("evt-1", body.GetProperty("eventId").GetString());
        Assert.Equal("Malware stopped", body.GetProperty("tip").GetProperty("title").GetString());
        Assert.Equal("You ran Known Malware on LAPTOP-17.", body.GetProperty("tip").GetProperty("body").GetString());
        Assert.Equal("evt-1", body.GetProperty("event").GetProperty("metadata").GetProperty("uid").GetString());
        Assert.Equal(body.GetProperty("coachingId").GetString(), received.IdempotencyKey);

        var view = await UserWhen(tenantId, "jdoe@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "coaching recorded as delivered");
        Assert.Equal(10, view!.RiskScore, precision: 3);
        Assert.Equal(1, view.EventCount);
        var coaching = Assert.Single(view.Coachings);
        Assert.Equal(1, coaching.Attempts);
        Assert.NotNull(coaching.DeliveredAt);
        Assert.Equal(received.IdempotencyKey, coaching.CoachingId);
    }

    [Fact]
    public async Task Same_event_twice_is_scored_and_coached_once()
    {
        var (tenantId, hook) = await TenantWithCampaign(pattern: """{"finding_info":{"title":["Known Malware"]}}""");
        var evt = TestEvents.Detection(tenantId, "dup@example.com", "evt-dup");

        await fixture.Publish(evt, evt);
        await fixture.Webhooks.WaitForAsync(hook, 1, Timeout, "first delivery");
        // The replay comes in a later batch with one new event that matches nothing, so we know when it was processed.
        await fixture.Publish(evt, TestEvents.Detection(tenantId, "dup@example.com", "evt-marker", title: "Benign"));

        var view = await UserWhen(tenantId, "dup@example.com", v => v.EventCount == 2, "replay batch processed");
        Assert.Equal(10, view!.RiskScore, precision: 3);
        var coaching = Assert.Single(view.Coachings);
        await CoachingWhen(tenantId, coaching.CoachingId, c => c.Summary.Status == CoachingStatus.Delivered, "delivered");
        Assert.Single(fixture.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task An_event_id_counts_once_while_it_is_among_the_users_last_1024_and_the_window_outlives_the_activation()
    {
        // No campaign: only the user's count and window are at work.
        var tenantId = TestEvents.NewTenantId();
        const string userKey = "window@example.com";
        var first = UserGrain.DuplicateWindow + 1;
        for (var start = 0; start < first; start += 100)
        {
            await fixture.Publish([.. Enumerable.Range(start, Math.Min(100, first - start)).Select(i => TestEvents.Detection(tenantId, userKey, $"evt-{i}"))]);
        }

        await UserWhen(tenantId, userKey, v => v.EventCount == first, "every distinct event counted");
        // The window now holds evt-1 … evt-1024, and a new activation must read it back from storage.
        await fixture.Cluster.DeactivateAsync(User(tenantId, userKey));

        // evt-1 and evt-1024 are in the window; evt-0 left it with the 1,025th event; the marker is new.
        await fixture.Publish(
            TestEvents.Detection(tenantId, userKey, "evt-1"), TestEvents.Detection(tenantId, userKey, "evt-1024"),
            TestEvents.Detection(tenantId, userKey, "evt-0"), TestEvents.Detection(tenantId, userKey, "evt-marker"));

        var view = await UserWhen(tenantId, userKey, v => v.EventCount >= first + 2, "replay batch processed");
        Assert.Equal(first + 2, view!.EventCount);
    }

    [Fact]
    public async Task A_coaching_whose_start_fails_is_started_again_from_the_users_outbox_and_the_event_is_scored_once()
    {
        var (tenantId, hook) = await TenantWithCampaign();

        // The first coaching start fails after the user grain wrote the batch (and the coaching into its outbox):
        // the outbox starts it again a second later; the event itself is not scored twice.
        await fixture.Publish(TestEvents.Detection(tenantId, FlakyCoachingStart.UserKey, "evt-flaky"));

        var view = await UserWhen(tenantId, FlakyCoachingStart.UserKey, v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "delivered after the retried start");
        Assert.Equal(1, view!.EventCount);
        Assert.Equal(10, view.RiskScore, precision: 3);
        Assert.Single(fixture.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task Starting_a_coaching_again_changes_nothing_and_sends_nothing_again()
    {
        var (tenantId, hook) = await TenantWithCampaign();
        await fixture.Publish(TestEvents.Detection(tenantId, "again@example.com", "evt-a"));
        var view = await UserWhen(tenantId, "again@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "delivered");
        var coachingId = view!.Coachings[0].CoachingId;
        var grain = fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, coachingId));

        var replayed = TestEvents.Detection(tenantId, "again@example.com", "evt-a");
        var summary = await grain.Start(new CoachingRequest(tenantId, "again@example.com", "malware", 1, new CoachingTip("x", "y"),
            [new ChannelDefinition("webhook", hook, Secret)], replayed, DeliveryLimit: null, TestMode: false));

        Assert.Equal(CoachingStatus.Delivered, summary.Status);
        Assert.Equal(1, summary.Attempts);
        Assert.Single(fixture.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task Webhook_failing_twice_is_retried_with_exponential_backoff_then_delivered()
    {
        var (tenantId, hook) = await TenantWithCampaign();
        fixture.Webhooks.Script(hook, 500, 503);

        await fixture.Publish(TestEvents.Detection(tenantId, "retry@example.com", "evt-r"));

        var requests = await fixture.Webhooks.WaitForAsync(hook, 3, Timeout, "two failures and a success");
        Assert.Equal([500, 503, 200], requests.Select(r => r.AnsweredStatus));
        Assert.All(requests, r => Assert.True(r.SignatureValid));
        Assert.Single(requests.Select(r => r.IdempotencyKey).Distinct());

        var view = await UserWhen(tenantId, "retry@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "delivered after retries");
        var coaching = await fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, view!.Coachings[0].CoachingId)).GetView();
        Assert.Equal(3, coaching!.Summary.Attempts);
        // Each wait is the retrier's, measured from the failed attempt (plus the few milliseconds the attempt took).
        Assert.Null(coaching.History[2].NextRetryIn);
        AssertWait(ClusterFixture.RetryInitialDelay, coaching.History[0].NextRetryIn);
        AssertWait(ClusterFixture.RetryInitialDelay * 2, coaching.History[1].NextRetryIn);
        Assert.Equal([false, false, true], coaching.History.Select(a => a.Succeeded));
        Assert.Contains("500", coaching.History[0].Error, StringComparison.Ordinal);
        // The retries were not early: each came after the delay the history announced.
        Assert.True(requests[1].At - requests[0].At >= ClusterFixture.RetryInitialDelay * 0.9);
        Assert.True(requests[2].At - requests[1].At >= ClusterFixture.RetryInitialDelay * 2 * 0.9);
    }

    [Fact]
    public async Task A_coaching_whose_activation_is_lost_resumes_its_retry_schedule()
    {
        var (tenantId, hook) = await TenantWithCampaign();
        fixture.Webhooks.Script(hook, 500);
        await fixture.Publish(TestEvents.Detection(tenantId, "resume@example.com", "evt-resume"));
        await fixture.Webhooks.WaitForAsync(hook, 1, Timeout, "first (failing) attempt");
        var view = await UserWhen(tenantId, "resume@example.com", v => v.Coachings is [{ Attempts: 1 }], "first attempt recorded");
        var grain = fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, view!.Coachings[0].CoachingId));

        // Deactivation kills the activation's timer; the new activation must pick the schedule up from storage.
        await fixture.Cluster.DeactivateAsync(grain);
        var deactivatedAt = DateTimeOffset.UtcNow;

        var resumed = await CoachingWhen(tenantId, view.Coachings[0].CoachingId, c => c.Summary.Status == CoachingStatus.Delivered, "delivered after reactivation");
        Assert.Equal(2, resumed!.Summary.Attempts);
        var requests = fixture.Webhooks.ReceivedAt(hook);
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].At > deactivatedAt, "the retry must come from the new activation, after the old one was deactivated");
    }

    [Fact]
    public async Task The_users_watch_wakes_a_coaching_whose_activation_was_lost_without_anyone_reading_it()
    {
        var (tenantId, hook) = await TenantWithCampaign();
        fixture.Webhooks.Script(hook, 500);
        await fixture.Publish(TestEvents.Detection(tenantId, "watched@example.com", "evt-watch"));
        await fixture.Webhooks.WaitForAsync(hook, 1, Timeout, "first (failing) attempt");
        var view = await UserWhen(tenantId, "watched@example.com", v => v.Coachings is [{ Attempts: 1 }], "first attempt recorded");
        var coaching = fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, view!.Coachings[0].CoachingId));
        await fixture.Cluster.DeactivateAsync(coaching);
        var deactivatedAt = DateTimeOffset.UtcNow;

        // Nothing calls the coaching: the retry it had scheduled died with its activation.
        await Task.Delay(ClusterFixture.RetryInitialDelay * 4);
        Assert.Single(fixture.Webhooks.ReceivedAt(hook));

        // One tick of the user's watch reminder (the cluster's reminder service would send it within a minute).
        await User(tenantId, "watched@example.com").AsReference<IRemindable>().ReceiveReminder("watch-coachings", default);

        var requests = await fixture.Webhooks.WaitForAsync(hook, 2, Timeout, "delivery after the watch woke the coaching");
        Assert.True(requests[1].At > deactivatedAt);
        Assert.Equal(200, requests[1].AnsweredStatus);
    }

    [Fact]
    public async Task A_coaching_that_ended_leaves_the_users_watch_and_outbox_so_no_tick_or_activation_wakes_it()
    {
        var (tenantId, _) = await TenantWithCampaign();
        await fixture.Publish(TestEvents.Detection(tenantId, "ended@example.com", "evt-ended"));
        var view = await UserWhen(tenantId, "ended@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "delivered");
        var coaching = fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, view!.Coachings[0].CoachingId));
        var user = User(tenantId, "ended@example.com");

        // A deactivation waits for the end's turn, which tells the user one-way: give that message a moment to land.
        await fixture.Cluster.DeactivateAsync(coaching);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await user.AsReference<IRemindable>().ReceiveReminder("watch-coachings", default);

        Assert.Equal(0, CoachingCallLog.Count(coaching.GetGrainId(), nameof(ICoachingGrain.Watch)));

        // That tick also wrote the emptied outbox and watch list: a new activation of the user neither starts nor wakes it.
        await fixture.Cluster.DeactivateAsync(user);
        await user.AsReference<IRemindable>().ReceiveReminder("watch-coachings", default);

        Assert.Equal(0, CoachingCallLog.Count(coaching.GetGrainId(), nameof(ICoachingGrain.Watch)));
        Assert.Equal(1, CoachingCallLog.Count(coaching.GetGrainId(), nameof(ICoachingGrain.Start)));
    }

    [Fact]
    public async Task A_rate_limited_receiver_is_retried_no_sooner_than_its_Retry_After()
    {
        var (tenantId, hook) = await TenantWithCampaign();
        fixture.Webhooks.Script(hook, 429);

        await fixture.Publish(TestEvents.Detection(tenantId, "slow@example.com", "evt-429"));

        var view = await UserWhen(tenantId, "slow@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "delivered after the pause");
        var coaching = await fixture.Grains.GetGrain<ICoachingGrain>(GrainKeys.Coaching(tenantId, view!.Coachings[0].CoachingId)).GetView();
        // The receiver's Retry-After (1 s) is longer than the configured first retry (500 ms), so it wins.
        AssertWait(TimeSpan.FromSeconds(1), coaching!.History[0].NextRetryIn);
        Assert.Contains("Channel.RateLimited", coaching.History[0].Error, StringComparison.Ordinal);
        var requests = fixture.Webhooks.ReceivedAt(hook);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.9));
    }

    [Fact]
    public async Task Webhook_that_always_fails_ends_Failed_after_the_last_attempt()
    {
        var (tenantId, hook) = await TenantWithCampaign();
        fixture.Webhooks.Script(hook, Enumerable.Repeat(500, 20).ToArray());

        await fixture.Publish(TestEvents.Detection(tenantId, "fail@example.com", "evt-f"));

        var view = await UserWhen(tenantId, "fail@example.com", v => v.Coachings is [{ Status: CoachingStatus.Failed }], "failed");
        Assert.Equal(ClusterFixture.MaxAttempts, view!.Coachings[0].Attempts);
        Assert.Null(view.Coachings[0].DeliveredAt);
        Assert.Equal(ClusterFixture.MaxAttempts, fixture.Webhooks.ReceivedAt(hook).Count);
    }

    [Fact]
    public async Task Delivery_limit_suppresses_a_second_coaching_inside_the_window()
    {
        var (tenantId, hook) = await TenantWithCampaign(deliveryLimit: TimeSpan.FromHours(1));

        await fixture.Publish(TestEvents.Detection(tenantId, "limit@example.com", "evt-l1"));
        await fixture.Publish(TestEvents.Detection(tenantId, "limit@example.com", "evt-l2"));

        // The limit is claimed when an event is scored, in order: the first event's coaching is the one delivered,
        // however the two coachings' workflows interleave.
        var view = await UserWhen(tenantId, "limit@example.com",
            v => v.Coachings.Length == 2 && v.Coachings.Count(c => c.Status == CoachingStatus.Delivered) == 1
                && v.Coachings.Count(c => c.Status == CoachingStatus.Suppressed) == 1, "one delivered, one suppressed");
        Assert.Equal(20, view!.RiskScore, precision: 3);
        Assert.Equal("evt-l1", view.Coachings.Single(c => c.Status == CoachingStatus.Delivered).EventId);
        Assert.Equal(0, view.Coachings.Single(c => c.Status == CoachingStatus.Suppressed).Attempts);
        Assert.Equal("evt-l1", Assert.Single(fixture.Webhooks.ReceivedAt(hook)).Body.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task Inside_one_batch_the_first_event_of_a_campaign_with_a_delivery_limit_is_the_one_delivered()
    {
        var (tenantId, hook) = await TenantWithCampaign(deliveryLimit: TimeSpan.FromHours(1));

        await fixture.Publish(
            TestEvents.Detection(tenantId, "batch@example.com", "evt-b1"),
            TestEvents.Detection(tenantId, "batch@example.com", "evt-b2"),
            TestEvents.Detection(tenantId, "batch@example.com", "evt-b3"));

        var view = await UserWhen(tenantId, "batch@example.com",
            v => v.Coachings.Length == 3 && v.Coachings.Count(c => c.Status == CoachingStatus.Delivered) == 1
                && v.Coachings.Count(c => c.Status == CoachingStatus.Suppressed) == 2, "one delivered, two suppressed");
        Assert.Equal("evt-b1", view!.Coachings.Single(c => c.Status == CoachingStatus.Delivered).EventId);
        Assert.Equal("evt-b1", Assert.Single(fixture.Webhooks.ReceivedAt(hook)).Body.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task Test_mode_records_Simulated_and_sends_nothing()
    {
        var (tenantId, hook) = await TenantWithCampaign(testMode: true);

        await fixture.Publish(TestEvents.Detection(tenantId, "sim@example.com", "evt-s"));

        var view = await UserWhen(tenantId, "sim@example.com", v => v.Coachings is [{ Status: not CoachingStatus.Pending }], "coaching ended");
        Assert.Equal(CoachingStatus.Simulated, view!.Coachings[0].Status);
        Assert.Equal(10, view.RiskScore, precision: 3);
        Assert.Empty(fixture.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task Unmatched_event_is_counted_but_adds_no_risk_and_no_coaching()
    {
        var (tenantId, hook) = await TenantWithCampaign(pattern: """{"disposition":["Blocked"]}""");

        await fixture.Publish(TestEvents.Detection(tenantId, "calm@example.com", "evt-u", disposition: "Allowed"));

        var view = await UserWhen(tenantId, "calm@example.com", v => v.EventCount == 1, "event counted");
        Assert.Equal(0, view!.RiskScore);
        Assert.Empty(view.Coachings);
        Assert.Empty(fixture.Webhooks.ReceivedAt(hook));
    }

    [Fact]
    public async Task A_campaign_change_applies_to_the_next_event()
    {
        var (tenantId, hook) = await TenantWithCampaign(pattern: """{"disposition":["Blocked"]}""");
        await fixture.Publish(TestEvents.Detection(tenantId, "change@example.com", "evt-c1"));
        await UserWhen(tenantId, "change@example.com", v => v.EventCount == 1, "first event counted");

        await PutCampaign(tenantId, "malware", """{"disposition":["Allowed"]}""", 5, [new ChannelDefinition("webhook", hook, Secret)]);
        await fixture.Publish(TestEvents.Detection(tenantId, "change@example.com", "evt-c2"));

        var view = await UserWhen(tenantId, "change@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered }], "second event coached");
        Assert.Equal("evt-c2", view!.Coachings[0].EventId);
        Assert.Equal(5, view.RiskScore, precision: 3);
    }

    [Fact]
    public async Task A_retry_sends_only_to_the_channels_that_failed()
    {
        var tenantId = TestEvents.NewTenantId();
        await fixture.Grains.GetGrain<ITenantGrain>(tenantId).Create("Test", Api.Auth.ApiKeys.Hash("test key"));
        var good = fixture.Webhooks.NewHook(Secret);
        var flaky = fixture.Webhooks.NewHook(Secret);
        fixture.Webhooks.Script(flaky, 500);
        await PutCampaign(tenantId, "two", """{"class_uid":[2004]}""", 1,
            [new ChannelDefinition("webhook", good, Secret), new ChannelDefinition("webhook", flaky, Secret)]);

        await fixture.Publish(TestEvents.Detection(tenantId, "multi@example.com", "evt-m"));

        await UserWhen(tenantId, "multi@example.com", v => v.Coachings is [{ Status: CoachingStatus.Delivered, Attempts: 2 }], "delivered on the second attempt");
        Assert.Single(fixture.Webhooks.ReceivedAt(good));
        Assert.Equal(2, fixture.Webhooks.ReceivedAt(flaky).Count);
    }

    [Fact]
    public async Task Events_of_one_user_never_reach_another_tenants_user()
    {
        var (tenantA, hookA) = await TenantWithCampaign();
        var (tenantB, _) = await TenantWithCampaign();

        await fixture.Publish(TestEvents.Detection(tenantA, "same@example.com", "evt-iso"));
        await fixture.Webhooks.WaitForAsync(hookA, 1, Timeout, "tenant A delivery");

        Assert.Null(await User(tenantB, "same@example.com").GetView());
    }

    private static void AssertWait(TimeSpan expected, TimeSpan? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange(actual.Value, expected, expected + TimeSpan.FromMilliseconds(250));
    }
}
