using System.Globalization;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// AWS's published on-demand prices in us-east-1, in US dollars, as the COST line prices a run (bench/README, "The
/// COST line", names the pages, the date they were read and where the figures came from). Free tiers are left out:
/// these are the prices past them.
/// </summary>
public static class AwsPrices
{
    /// <summary>DynamoDB on-demand, Standard table class: per million write request units (one standard write of ≤ 1 KB).</summary>
    public const double DynamoDBPerMillionWriteUnits = 0.625;

    /// <summary>DynamoDB on-demand, Standard table class: per million read request units (one strongly consistent read of ≤ 4 KB).</summary>
    public const double DynamoDBPerMillionReadUnits = 0.125;

    /// <summary>SQS standard queues, the first tier past the free one: per million requests (each started 64 KB of payload is one).</summary>
    public const double SqsStandardPerMillionRequests = 0.40;

    /// <summary>S3 Standard: per million PUT, COPY, POST or LIST requests.</summary>
    public const double S3PerMillionPutCopyPostList = 5.00;

    /// <summary>S3 Standard: per million GET, SELECT and all other requests (DELETE is free).</summary>
    public const double S3PerMillionGetAndOther = 0.40;
}

/// <summary>Dollars per million scored events, by what they pay for.</summary>
public sealed record UsdPerMillionEvents(double DynamoDBWrites, double DynamoDBReads, double Sqs, double S3)
{
    public double Total => DynamoDBWrites + DynamoDBReads + Sqs + S3;
}

/// <summary>
/// What the pipeline did with the events and what they cost, for the COST line. <see cref="ScoredEvents"/> are the
/// events the user grains scored in the measured window; every per-event figure divides by them. The AWS figures are
/// null in the local scenario (no AWS) and every figure is null with <c>--target</c> (the silo is not in this process;
/// the report then has no COST block at all).
/// </summary>
public sealed record CostFigures(
    long ScoredEvents,
    double ScoredEventsPerS,
    long ScoredTotal,
    long DuplicateEvents,
    long BacklogEvents,
    double SiloCpuMsPerEvent)
{
    /// <summary>aws-local: the silo's AWS requests in the window, by service.</summary>
    public AwsRequests? AwsRequests { get; init; }

    public double? AwsRequestsPerEvent { get; init; }

    /// <summary>aws-local: write and read units DynamoDB reported consumed in the window (grain state and reminders).</summary>
    public double? DdbWriteUnits { get; init; }

    public double? DdbReadUnits { get; init; }

    public double? DdbWriteUnitsPerEvent { get; init; }

    public double? DdbReadUnitsPerEvent { get; init; }

    public UsdPerMillionEvents? UsdPerMillion { get; init; }

    /// <summary>The figures of a window: <paramref name="cpuMs"/> of this process, AWS requests and capacity units (aws-local) in it.</summary>
    public static CostFigures Of(
        PipelineSnapshot atStart, PipelineSnapshot atEnd, PipelineSnapshot final, long accepted, double windowSeconds, double cpuMs,
        AwsRequests? aws)
    {
        var scored = atEnd.Scored - atStart.Scored;
        var perEvent = (double)Math.Max(1, scored);
        var figures = new CostFigures(
            scored,
            windowSeconds > 0 ? Math.Round(scored / windowSeconds, 1) : 0,
            final.Scored,
            final.Duplicates,
            Math.Max(0, accepted - final.Scored),
            Math.Round(cpuMs / perEvent, 3));
        if (aws is null)
        {
            return figures;
        }

        var writeUnits = atEnd.WriteUnits - atStart.WriteUnits;
        var readUnits = atEnd.ReadUnits - atStart.ReadUnits;
        // Units per event × dollars per million units = dollars per million events.
        var each = 1 / perEvent;
        var usd = new UsdPerMillionEvents(
            Math.Round(writeUnits * AwsPrices.DynamoDBPerMillionWriteUnits * each, 4),
            Math.Round(readUnits * AwsPrices.DynamoDBPerMillionReadUnits * each, 4),
            Math.Round(aws.SqsBilled * AwsPrices.SqsStandardPerMillionRequests * each, 4),
            Math.Round((aws.S3Write * AwsPrices.S3PerMillionPutCopyPostList + aws.S3Read * AwsPrices.S3PerMillionGetAndOther) * each, 4));
        return figures with
        {
            AwsRequests = aws,
            AwsRequestsPerEvent = Math.Round(aws.Total / perEvent, 3),
            DdbWriteUnits = Math.Round(writeUnits, 1),
            DdbReadUnits = Math.Round(readUnits, 1),
            DdbWriteUnitsPerEvent = Math.Round(writeUnits / perEvent, 3),
            DdbReadUnitsPerEvent = Math.Round(readUnits / perEvent, 3),
            UsdPerMillion = usd,
        };
    }

    /// <summary>
    /// <c>COST scenario=aws-local scored_events_per_s=… backlog_events=… silo_cpu_ms_per_event=… aws_requests_per_event=…
    /// ddb_write_units_per_event=… ddb_read_units_per_event=… usd_per_million_events=…</c>; local has the first two only.
    /// </summary>
    public string Line(string scenario)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"COST scenario={scenario} scored_events_per_s={Math.Round(ScoredEventsPerS):0} backlog_events={BacklogEvents}");
        if (AwsRequestsPerEvent is not { } requests || UsdPerMillion is not { } usd)
        {
            return line;
        }

        return line + string.Create(CultureInfo.InvariantCulture,
            $" silo_cpu_ms_per_event={Number(SiloCpuMsPerEvent)} aws_requests_per_event={Number(requests)} ddb_write_units_per_event={Number(DdbWriteUnitsPerEvent ?? 0)} ddb_read_units_per_event={Number(DdbReadUnitsPerEvent ?? 0)} usd_per_million_events={usd.Total:0.####}");
    }

    /// <summary>A line for a person: the counts behind the COST line.</summary>
    public string Summary()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"pipeline: {ScoredEvents} events scored in the window, {ScoredTotal} in all ({DuplicateEvents} duplicates dropped), {BacklogEvents} accepted but not scored at the end");
        if (AwsRequests is { } aws && UsdPerMillion is { } usd)
        {
            text += string.Create(CultureInfo.InvariantCulture,
                $"\ncost in the window: {aws.Sqs} SQS requests ({aws.SqsBilled} billed), {aws.DynamoDB} DynamoDB, {aws.S3Write} S3 PUT/LIST, {aws.S3Read} S3 GET, {aws.S3Free} S3 DELETE, {aws.Other} other; {DdbWriteUnits:0.#} WRU, {DdbReadUnits:0.#} RRU; $ per million events: DynamoDB writes {usd.DynamoDBWrites:0.####}, reads {usd.DynamoDBReads:0.####}, SQS {usd.Sqs:0.####}, S3 {usd.S3:0.####}");
        }

        return text;
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
