using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using SecurityCoach.Workflow;

namespace SecurityCoach.Coaching.Steps;

/// <summary>
/// The workflows coachings run: validates tenants' definitions against the steps this silo knows, resolves Task
/// resources (mapped names included) to steps, builds the built-in default, and keeps one parsed engine per
/// definition text (definitions are immutable once stored; a coaching holds its text, so an edit never changes a
/// running one).
/// </summary>
public sealed class CoachingWorkflows
{
    /// <summary>Bound on cached engines; past it the cache starts over (parsing again is cheap next to a delivery).</summary>
    private const int MaxCachedEngines = 1024;

    private readonly Dictionary<string, ResourceMapping> _mapped;
    private readonly WorkflowLimits _limits;
    private readonly ConcurrentDictionary<string, WorkflowEngine> _engines = new(StringComparer.Ordinal);

    public CoachingWorkflows(IOptions<CoachingOptions> coaching, IOptions<WorkflowOptions> workflow)
    {
        _mapped = workflow.Value.Resources.ToDictionary(m => m.Resource, StringComparer.Ordinal);
        _limits = workflow.Value.Limits;
        DefaultDefinition = BuildDefault(coaching.Value);
        // The built-in's delivery retrier is the operator's (Coaching:MaxAttempts), not a tenant's: the limit on a
        // retrier's attempts stretches to it.
        var builtInLimits = _limits with { MaxRetryAttempts = Math.Max(_limits.MaxRetryAttempts, coaching.Value.MaxAttempts - 1) };
        var parsed = StateMachineDefinition.Parse(DefaultDefinition, IsKnownResource, builtInLimits);
        Default = new WorkflowEngine(parsed.Definition
            ?? throw new InvalidOperationException("the built-in workflow is invalid: " + string.Join("; ", parsed.Errors)), limits: builtInLimits);
    }

    /// <summary>The built-in definition's ASL text (shaped by <see cref="CoachingOptions"/>' retry settings).</summary>
    public string DefaultDefinition { get; }

    public WorkflowEngine Default { get; }

    public bool IsKnownResource(string resource) => CoachingSteps.All.Contains(resource) || _mapped.ContainsKey(resource);

    /// <summary>The step a resource runs and the error name it raises on failure (null: the step's own).</summary>
    public (string Step, string? FailureError) Resolve(string resource) =>
        _mapped.TryGetValue(resource, out var mapping) ? (mapping.Step, mapping.FailureError) : (resource, null);

    /// <summary>Every problem of a definition, each with the JSON path of the offending field; empty when it is valid.</summary>
    public FieldError[] Validate(string definition) =>
        [.. StateMachineDefinition.Parse(definition, IsKnownResource, _limits).Errors.Select(e => new FieldError(e.Path, e.Message))];

    /// <summary>The engine for a definition text (null: the default).</summary>
    /// <exception cref="InvalidOperationException">The text is not a valid definition (it was validated when stored,
    /// so this means a step it names is no longer known here).</exception>
    public WorkflowEngine EngineFor(string? definition)
    {
        if (definition is null)
        {
            return Default;
        }

        if (_engines.TryGetValue(definition, out var engine))
        {
            return engine;
        }

        var parsed = StateMachineDefinition.Parse(definition, IsKnownResource, _limits);
        if (parsed.Definition is null)
        {
            throw new InvalidOperationException("the workflow is not valid here: " + string.Join("; ", parsed.Errors));
        }

        if (_engines.Count >= MaxCachedEngines)
        {
            _engines.Clear();
        }

        return _engines.GetOrAdd(definition, new WorkflowEngine(parsed.Definition, limits: _limits));
    }

    /// <summary>
    /// The default, shaped like the seed's machine with the delivery policy as steps: test mode → delivery limit →
    /// quiet hours (a Wait until they end) → render → deliver (retried with backoff; Channel.Rejected and Channel.Forbidden are not retried)
    /// → record; a delivery that runs out of retries is caught → alert → Fail.
    /// </summary>
    private static string BuildDefault(CoachingOptions o)
    {
        var interval = o.RetryIntervalSeconds.ToString(CultureInfo.InvariantCulture);
        var backoff = o.RetryBackoffRate.ToString(CultureInfo.InvariantCulture);
        var retries = (o.MaxAttempts - 1).ToString(CultureInfo.InvariantCulture);
        return $$"""
            {
              "Comment": "SecurityCoach built-in coaching workflow: policy, render, deliver with retries, record; alert on failure.",
              "StartAt": "TestMode",
              "States": {
                "TestMode": { "Type": "Task", "Resource": "{{CoachingSteps.TestMode}}", "ResultPath": "$.policy.testMode", "Next": "InTestMode" },
                "InTestMode": {
                  "Type": "Choice",
                  "Choices": [ { "Variable": "$.policy.testMode.testMode", "BooleanEquals": true, "Next": "RecordSimulated" } ],
                  "Default": "DeliveryLimit"
                },
                "RecordSimulated": { "Type": "Task", "Resource": "{{CoachingSteps.Record}}", "Parameters": { "status": "Simulated" }, "End": true },
                "DeliveryLimit": {
                  "Type": "Task",
                  "Resource": "{{CoachingSteps.DeliveryLimit}}",
                  "ResultPath": "$.policy.deliveryLimit",
                  "Retry": [ { "ErrorEquals": [ "States.ALL" ], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 5 } ],
                  "Next": "WithinDeliveryLimit"
                },
                "WithinDeliveryLimit": {
                  "Type": "Choice",
                  "Choices": [ { "Variable": "$.policy.deliveryLimit.allowed", "BooleanEquals": false, "Next": "RecordSuppressed" } ],
                  "Default": "QuietHours"
                },
                "RecordSuppressed": { "Type": "Task", "Resource": "{{CoachingSteps.Record}}", "Parameters": { "status": "Suppressed" }, "End": true },
                "QuietHours": { "Type": "Task", "Resource": "{{CoachingSteps.QuietHours}}", "ResultPath": "$.policy.quietHours", "Next": "InQuietHours" },
                "InQuietHours": {
                  "Type": "Choice",
                  "Choices": [ { "Variable": "$.policy.quietHours.quiet", "BooleanEquals": true, "Next": "WaitForQuietHoursEnd" } ],
                  "Default": "RenderTip"
                },
                "WaitForQuietHoursEnd": { "Type": "Wait", "TimestampPath": "$.policy.quietHours.resumeAt", "Next": "RenderTip" },
                "RenderTip": { "Type": "Task", "Resource": "{{CoachingSteps.RenderTip}}", "ResultPath": "$.tip", "Next": "Deliver" },
                "Deliver": {
                  "Type": "Task",
                  "Resource": "{{CoachingSteps.Deliver}}",
                  "Parameters": { "tip.$": "$.tip" },
                  "ResultPath": "$.delivery",
                  "Retry": [
                    { "ErrorEquals": [ "Channel.Rejected", "Channel.Forbidden" ], "MaxAttempts": 0 },
                    { "ErrorEquals": [ "States.ALL" ], "IntervalSeconds": {{interval}}, "BackoffRate": {{backoff}}, "MaxAttempts": {{retries}} }
                  ],
                  "Catch": [ { "ErrorEquals": [ "States.ALL" ], "ResultPath": "$.error", "Next": "Alert" } ],
                  "Next": "RecordDelivered"
                },
                "RecordDelivered": { "Type": "Task", "Resource": "{{CoachingSteps.Record}}", "Parameters": { "status": "Delivered" }, "End": true },
                "Alert": {
                  "Type": "Task",
                  "Resource": "{{CoachingSteps.Alert}}",
                  "InputPath": "$.error",
                  "ResultPath": null,
                  "Retry": [ { "ErrorEquals": [ "States.ALL" ], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 5 } ],
                  "Next": "DeliveryFailed"
                },
                "DeliveryFailed": { "Type": "Fail", "Error": "Coaching.DeliveryFailed", "Cause": "Every delivery attempt failed; the tenant was alerted." }
              }
            }
            """;
    }
}
