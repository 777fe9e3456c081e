using System.Text.Json;
using System.Text.RegularExpressions;
using SecurityCoach.Tests.Aws;

namespace SecurityCoach.Tests.Bench;

/// <summary>
/// The load generator's sqs-raw and aws-local scenarios, bounded to a few hundred events, against the emulators the
/// local-aws collection shares (passed as --sqs-url / --dynamodb-url, so the scenarios do not start their own):
/// every event is counted or coached, and the output has the shape scripts read. No timing is asserted.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class AwsLoadGeneratorSmokeTests(LocalAwsFixture aws) : IDisposable
{
    private readonly string _resultFile = Path.Combine(Path.GetTempPath(), $"bench-aws-smoke-{Guid.NewGuid():N}.json");

    [GeneratedRegex(@"^RESULT scenario=sqs-raw events_per_s=\d+ ingest_p50_ms=\d+(\.\d+)? ingest_p99_ms=\d+(\.\d+)? e2e_p50_ms=\d+(\.\d+)? e2e_p99_ms=\d+(\.\d+)? errors=(?<errors>\d+)$")]
    private static partial Regex SqsRawResult();

    [GeneratedRegex(@"^RESULT scenario=aws-local events_per_s=(?<rate>\d+) ingest_p50_ms=\d+(\.\d+)? ingest_p99_ms=\d+(\.\d+)? e2e_p50_ms=\d+(\.\d+)? e2e_p99_ms=\d+(\.\d+)? errors=(?<errors>\d+)$")]
    private static partial Regex AwsLocalResult();

    [GeneratedRegex(@"^COST scenario=aws-local scored_events_per_s=\d+ backlog_events=(?<backlog>\d+) silo_cpu_ms_per_event=\d+(\.\d+)? aws_requests_per_event=\d+(\.\d+)? ddb_write_units_per_event=\d+(\.\d+)? ddb_read_units_per_event=\d+(\.\d+)? usd_per_million_events=\d+(\.\d+)?$")]
    private static partial Regex AwsLocalCost();

    [GeneratedRegex(@"^RATIO aws-local/sqs-raw events_per_s=\d+(\.\d)?% delivered_per_s=\d+(\.\d)?% target=70%$")]
    private static partial Regex RatioLine();

    [Fact]
    public async Task Sqs_raw_scenario_counts_the_events_each_message_carries_and_ends_with_a_well_formed_result_line()
    {
        var (exit, lines, log) = await LoadGeneratorSmokeTests.RunAsync(
            "--scenario", "sqs-raw", "--sqs-url", aws.SqsServiceUrl.ToString(), "--queues", "2", "--senders", "2",
            "--warmup", "0", "--duration", "30", "--max-events", "300", "--drain", "30", "--out", _resultFile);

        var result = SqsRawResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.Equal("0", result.Groups["errors"].Value);
        Assert.Equal(0, exit);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        var counts = json.RootElement.GetProperty("counts");
        var raw = json.RootElement.GetProperty("sqs_raw");
        var sent = counts.GetProperty("accepted_events").GetInt64();
        var messages = raw.GetProperty("messages_sent").GetInt64();
        // The bound stops new sends at 300 events; sends already under way finish.
        Assert.InRange(sent, 300, 300 + (2 * 10 * 10));
        Assert.Equal(sent, counts.GetProperty("delivered_events").GetInt64());
        Assert.Equal(messages, raw.GetProperty("messages_deleted").GetInt64());
        // A message is one user's share of a 10-event request, so it carries at least one event and usually one or two.
        Assert.InRange(messages, 1, sent);
        Assert.True(raw.GetProperty("events_per_message").GetDouble() >= 1, raw.ToString());
        Assert.True(raw.GetProperty("body_bytes_mean").GetDouble() > 500, raw.ToString());
    }

    [Fact]
    public async Task Aws_local_scenario_measures_the_sqs_raw_ceiling_first_and_coaches_every_event_through_SQS_and_DynamoDB()
    {
        var (exit, lines, log) = await LoadGeneratorSmokeTests.RunAsync(
            "--scenario", "aws-local", "--sqs-url", aws.SqsServiceUrl.ToString(), "--dynamodb-url", aws.DynamoDBServiceUrl.ToString(),
            "--queues", "2", "--senders", "2", "--tenants", "2", "--users", "40", "--batch-size", "5", "--concurrency", "4",
            "--warmup", "0", "--duration", "30", "--max-events", "300", "--drain", "60", "--out", _resultFile);

        var result = AwsLocalResult().Match(lines[^1]);
        Assert.True(result.Success, $"The last line is not a well-formed RESULT line: '{lines[^1]}'. Log:\n{log}");
        Assert.Equal("0", result.Groups["errors"].Value);
        Assert.Equal(0, exit);
        var sqsRaw = Array.FindIndex(lines, line => SqsRawResult().IsMatch(line));
        var ratio = Array.FindIndex(lines, line => RatioLine().IsMatch(line));
        Assert.True(sqsRaw >= 0 && ratio > sqsRaw, $"Expected the sqs-raw RESULT line, then the RATIO line, before the aws-local one:\n{string.Join('\n', lines)}");
        var cost = AwsLocalCost().Match(lines[^2]);
        Assert.True(cost.Success, $"The line before RESULT is not a well-formed COST line:\n{string.Join('\n', lines)}");
        Assert.Equal("0", cost.Groups["backlog"].Value);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(_resultFile));
        var counts = json.RootElement.GetProperty("counts");
        Assert.Equal(300, counts.GetProperty("accepted_events").GetInt64());
        Assert.Equal(300, counts.GetProperty("delivered_events").GetInt64());
        Assert.Equal("AwsLocal", json.RootElement.GetProperty("settings").GetProperty("profile").GetString());
        var ceiling = json.RootElement.GetProperty("ceiling");
        Assert.True(ceiling.GetProperty("sqs_raw_events_per_s").GetDouble() > 0, ceiling.ToString());
        Assert.True(File.Exists(ceiling.GetProperty("result_file").GetString()), ceiling.ToString());
        // Every accepted event was scored once, by this run's user grains; the silo's AWS requests were tallied.
        var costs = json.RootElement.GetProperty("cost");
        Assert.Equal(300, costs.GetProperty("scored_total").GetInt64());
        Assert.True(costs.GetProperty("aws_requests").GetProperty("total").GetInt64() > 0, costs.ToString());
    }

    public void Dispose()
    {
        File.Delete(_resultFile);
        File.Delete(Path.ChangeExtension(_resultFile, ".sqs-raw.json"));
    }
}
