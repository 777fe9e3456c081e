using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Bench;

/// <summary>
/// The load generator of bench/, bounded to a few hundred events, against the silo program it starts in this process:
/// it runs, every event's coaching arrives, and it reports in the shape scripts read. No timing is asserted.
/// </summary>
public sealed partial class LoadGeneratorSmokeTests : IDisposable
{
    private readonly string _resultFile = Path.Combine(Path.GetTempPath(), $"bench-smoke-{Guid.NewGuid():N}.json");

    [GeneratedRegex(@"^RESULT scenario=local events_per_s=(?<rate>\d+) ingest_p50_ms=\d+(\.\d+)? ingest_p99_ms=\d+(\.\d+)? e2e_p50_ms=\d+(\.\d+)? e2e_p99_ms=\d+(\.\d+)? errors=(?<errors>\d+)$")]
    private static partial Regex LocalResult();

    [GeneratedRegex(@"^COST scenario=local scored_events_per_s=\d+ backlog_events=(?<backlog>\d+)$")]
    private static partial Regex LocalCost();

    [GeneratedRegex(@"^RESULT scenario=activations users=300 activations=(?<activations>\d+) bytes_per_activation=-?\d+ heap_delta_mib=-?\d+(\.\d+)? activations_per_s=\d+ errors=(?<errors>\d+)$")]
    private static partial Regex ActivationsResult();

    [GeneratedRegex(@"^RESULT scenario=workflow workflows=300 concurrency=100 workflows_per_s=\d+ overhead_p50_ms=\d+(\.\d+)? overhead_p99_ms=\d+(\.\d+)? start_p50_ms=\d+(\.\d+)? start_p99_ms=\d+(\.\d+)? cpu_ms_per_workflow=\d+(\.\d+)? errors=(?<errors>\d+)$")]
    private static partial Regex WorkflowResult();

    [Fact]
    public async Task Local_scenario_delivers_every_event_and_ends_with_a_well_formed_result_line()
    {
        var (exit, lines, log) = await RunAsync(
            "--scenario", "local", "--tenants", "2", "--users", "40", "--batch-size", "5", "--concurrency", "4",
            "--warmup", "0", "--duration", "30", "--max-events", "300", "--drain", "30", "--out", _resultFile);

        var result = LocalResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.True(long.Parse(result.Groups["rate"].Value, CultureInfo.InvariantCulture) > 0, lines[^1]);
        Assert.True(result.Groups["errors"].Value == "0", $"The run counted {result.Groups["errors"].Value} errors. Output:\n{string.Join('\n', lines)}\nLog:\n{log}");
        Assert.Equal(0, exit);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        var counts = json.RootElement.GetProperty("counts");
        Assert.Equal(300, counts.GetProperty("sent_events").GetInt64());
        Assert.Equal(300, counts.GetProperty("accepted_events").GetInt64());
        Assert.Equal(300, counts.GetProperty("delivered_events").GetInt64());
        Assert.Equal(300, json.RootElement.GetProperty("e2e").GetProperty("count").GetInt64());
        Assert.Equal(60, json.RootElement.GetProperty("ingest").GetProperty("count").GetInt64());
        AssertEveryEventScored(lines, json.RootElement, 300);
    }

    [Fact]
    public async Task Local_scenario_with_a_coach_fraction_delivers_the_coachings_of_the_picked_events_only_and_scores_them_all()
    {
        var (exit, lines, log) = await RunAsync(
            "--scenario", "local", "--tenants", "2", "--users", "40", "--batch-size", "5", "--concurrency", "4",
            "--warmup", "0", "--duration", "30", "--max-events", "300", "--drain", "30", "--coach-fraction", "0.2", "--out", _resultFile);

        var result = LocalResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.True(result.Groups["errors"].Value == "0", $"The run counted {result.Groups["errors"].Value} errors. Output:\n{string.Join('\n', lines)}\nLog:\n{log}");
        Assert.Equal(0, exit);

        // The events the seed picks (42, the default) are the ones coached; the others match no campaign.
        var coached = Enumerable.Range(0, 300).Count(seq => EventFactory.IsCoached(42, seq, 0.2));
        Assert.InRange(coached, 1, 299);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        Assert.Equal("0.2", json.RootElement.GetProperty("settings").GetProperty("coach_fraction").GetString());
        var counts = json.RootElement.GetProperty("counts");
        Assert.Equal(300, counts.GetProperty("accepted_events").GetInt64());
        Assert.Equal(coached, counts.GetProperty("delivered_events").GetInt64());
        Assert.Equal(coached, json.RootElement.GetProperty("e2e").GetProperty("count").GetInt64());
        AssertEveryEventScored(lines, json.RootElement, 300);
    }

    [Theory]
    [InlineData("test-mode")]
    [InlineData("none")]
    public async Task Local_scenario_without_deliveries_checks_the_busiest_users_view_instead(string coaching)
    {
        var (exit, lines, log) = await RunAsync(
            "--scenario", "local", "--tenants", "2", "--users", "40", "--batch-size", "5", "--concurrency", "4",
            "--warmup", "0", "--duration", "30", "--max-events", "200", "--drain", "30", "--coaching", coaching, "--out", _resultFile);

        var result = LocalResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.True(result.Groups["errors"].Value == "0", $"The run counted {result.Groups["errors"].Value} errors. Output:\n{string.Join('\n', lines)}\nLog:\n{log}");
        Assert.Equal(0, exit);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        Assert.Equal(coaching, json.RootElement.GetProperty("settings").GetProperty("coaching").GetString());
        var counts = json.RootElement.GetProperty("counts");
        Assert.Equal(200, counts.GetProperty("accepted_events").GetInt64());
        Assert.Equal(0, counts.GetProperty("delivered_events").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("error_detail").GetProperty("failed_checks").GetInt64());
        AssertEveryEventScored(lines, json.RootElement, 200);
    }

    [Fact]
    public void Coaching_modes_other_than_the_webhook_are_for_the_scenarios_that_ingest()
    {
        Assert.Equal(CoachingMode.TestMode, LoadOptions.Parse(["--scenario", "aws-local", "--coaching", "test-mode"]).Coaching);
        Assert.Equal(CoachingMode.Webhook, LoadOptions.Parse(["--scenario", "local"]).Coaching);
        Assert.Contains("webhook, test-mode or none", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--scenario", "local", "--coaching", "slack"])).Message, StringComparison.Ordinal);
        Assert.Contains("local and aws-local", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--scenario", "workflow", "--coaching", "none"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_coach_fraction_is_a_share_of_the_delivered_coachings_of_the_scenarios_that_ingest()
    {
        Assert.Equal(0.02, LoadOptions.Parse(["--scenario", "aws-local", "--coach-fraction", "0.02"]).CoachFraction);
        Assert.Equal(1, LoadOptions.Parse(["--scenario", "local"]).CoachFraction);
        Assert.Contains("from 0 to 1", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--scenario", "local", "--coach-fraction", "1.5"])).Message, StringComparison.Ordinal);
        Assert.Contains("--coaching webhook", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--scenario", "local", "--coaching", "none", "--coach-fraction", "0.5"])).Message, StringComparison.Ordinal);
        Assert.Contains("--coaching webhook", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--scenario", "sqs-raw", "--coach-fraction", "0.5"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Activations_scenario_activates_every_user_grain_and_reports_the_bytes_per_activation()
    {
        var (exit, lines, log) = await RunAsync("--scenario", "activations", "--users", "300", "--out", _resultFile);

        var result = ActivationsResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.Equal("300", result.Groups["activations"].Value);
        Assert.True(result.Groups["errors"].Value == "0", $"The run counted {result.Groups["errors"].Value} errors. Output:\n{string.Join('\n', lines)}\nLog:\n{log}");
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Workflow_scenario_runs_every_workflow_to_its_end_and_reports_the_overhead()
    {
        var (exit, lines, log) = await RunAsync("--scenario", "workflow", "--workflows", "300", "--concurrency", "100", "--out", _resultFile);

        var result = WorkflowResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.True(result.Groups["errors"].Value == "0", $"The run counted {result.Groups["errors"].Value} errors. Output:\n{string.Join('\n', lines)}\nLog:\n{log}");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        // Every measured workflow's own trace was read: one overhead figure per workflow.
        Assert.Equal(300, json.RootElement.GetProperty("e2e").GetProperty("count").GetInt64());
        Assert.Equal(300, json.RootElement.GetProperty("ingest").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Http_raw_scenario_exchanges_signed_bodies_and_reports_the_cost_of_one()
    {
        var (exit, lines, log) = await RunAsync(
            "--scenario", "http-raw", "--concurrency", "4", "--warmup", "0", "--duration", "30", "--max-events", "300", "--out", _resultFile);

        Assert.Matches(@"^RESULT scenario=http-raw events_per_s=[1-9]\d* ingest_p50_ms=\d+(\.\d+)? ingest_p99_ms=\d+(\.\d+)? e2e_p50_ms=\d+(\.\d+)? e2e_p99_ms=\d+(\.\d+)? errors=0$", lines[^1]);
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        // Every request was answered 200 by the endpoint that checked its signature, and each was measured.
        Assert.Equal(300, json.RootElement.GetProperty("counts").GetProperty("accepted_events").GetInt64());
        Assert.Equal(300, json.RootElement.GetProperty("ingest").GetProperty("count").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("error_detail").GetProperty("bad_signatures").GetInt64());
        Assert.True(json.RootElement.GetProperty("process_cost").GetProperty("cpu_ms_per_event").GetDouble() > 0, log);
    }

    [Fact]
    public async Task An_unknown_scenario_is_refused_with_the_list_of_scenarios()
    {
        var (exit, _, log) = await RunAsync("--scenario", "teleport");

        Assert.Equal(2, exit);
        Assert.Contains("the scenarios are local, activations, aws-local, sqs-raw, workflow and http-raw", log, StringComparison.Ordinal);
    }

    /// <summary>
    /// The COST line stands just before the RESULT line, well formed, with no backlog; the JSON's <c>cost</c> block counts
    /// every accepted event scored once, by this run's user grains only (other tests' silos share the process).
    /// </summary>
    private static void AssertEveryEventScored(string[] lines, JsonElement json, long accepted)
    {
        var cost = LocalCost().Match(lines.Length > 1 ? lines[^2] : "");
        Assert.True(cost.Success, $"The line before RESULT is not a well-formed COST line:\n{string.Join('\n', lines)}");
        Assert.Equal("0", cost.Groups["backlog"].Value);
        Assert.Equal(accepted, json.GetProperty("cost").GetProperty("scored_total").GetInt64());
    }

    /// <summary>Runs <c>load</c> with these arguments: its exit code, its output lines (the RESULT line last) and its log.</summary>
    internal static async Task<(int Exit, string[] Lines, string Log)> RunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var log = new StringWriter(CultureInfo.InvariantCulture);
        var exit = await LoadCommand.RunAsync(args, output, log);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (exit, lines.Length == 0 ? [""] : lines, log.ToString());
    }

    public void Dispose() => File.Delete(_resultFile);
}
