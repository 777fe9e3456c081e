namespace SecurityCoach.Coaching.Steps;

/// <summary>
/// The Task resources a coaching workflow can name. Each is a step the coaching grain runs itself; see
/// grains/Coaching/README.md for the input each takes and the result and errors each gives.
/// </summary>
public static class CoachingSteps
{
    /// <summary>Re-checks that the coaching's campaign matched its event: <c>{"trigger_payload_exists": true, …}</c>.</summary>
    public const string CheckRules = "coach:check-rules";

    /// <summary><c>{"testMode": bool}</c>: the campaign's test mode.</summary>
    public const string TestMode = "coach:test-mode";

    /// <summary><c>{"allowed": bool}</c>: the user's delivery limit for the campaign (claimed when allowed).</summary>
    public const string DeliveryLimit = "coach:delivery-limit";

    /// <summary><c>{"quiet": bool, "resumeAt": timestamp}</c>: whether now is in the user's quiet hours, and when they end.</summary>
    public const string QuietHours = "coach:quiet-hours";

    /// <summary><c>{"title", "body"}</c>: the campaign's tip rendered with the event's fields.</summary>
    public const string RenderTip = "coach:render-tip";

    /// <summary>Sends the tip to every campaign channel that has not accepted it yet.</summary>
    public const string Deliver = "coach:deliver";

    public const string DeliverWebhook = "coach:deliver-webhook";
    public const string DeliverSlack = "coach:deliver-slack";
    public const string DeliverTeams = "coach:deliver-teams";
    public const string DeliverEmail = "coach:deliver-email";

    /// <summary>Records the coaching's outcome: input <c>{"status": "Delivered" | "Suppressed" | "Simulated"}</c>.</summary>
    public const string Record = "coach:record";

    /// <summary>Alerts the tenant's alert channel about this coaching (input <c>{"Error", "Cause"}</c> from a Catch).</summary>
    public const string Alert = "coach:alert";

    /// <summary>
    /// The steps that change something outside the coaching that running them again would repeat: the deliveries and
    /// the alert. The coaching writes its record before running one of them after another, so a crash repeats at most
    /// one. Named one by one, since <see cref="DeliveryLimit"/> shares their prefix: its claim is idempotent per
    /// coaching and needs no write before it (a prefix test cost every coaching a third write).
    /// </summary>
    public static readonly IReadOnlySet<string> WithOutsideEffect = new HashSet<string>(StringComparer.Ordinal)
    {
        Deliver, DeliverWebhook, DeliverSlack, DeliverTeams, DeliverEmail, Alert,
    };

    /// <summary>Every step name.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        CheckRules, TestMode, DeliveryLimit, QuietHours, RenderTip, Deliver, DeliverWebhook, DeliverSlack, DeliverTeams,
        DeliverEmail, Record, Alert,
    };
}
