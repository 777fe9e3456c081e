using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2.Model;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Providers.Aws.Internal;

/// <summary>
/// Capacity units DynamoDB reports as consumed (requests ask for <c>ReturnConsumedCapacity = TOTAL</c>): what on-demand
/// billing charges for, so a bill per event can be read off the silo. Tagged <c>table</c>.
/// </summary>
internal static class DynamoDBCapacityMetrics
{
    private static readonly Meter Meter = new(SqsStreamMetrics.MeterName);

    private static readonly Counter<double> WriteUnits = Meter.CreateCounter<double>(DynamoDBCapacity.WriteUnitsName, "{unit}",
        "DynamoDB write capacity units consumed, as DynamoDB reports them.");

    private static readonly Counter<double> ReadUnits = Meter.CreateCounter<double>(DynamoDBCapacity.ReadUnitsName, "{unit}",
        "DynamoDB read capacity units consumed, as DynamoDB reports them.");

    public static void Wrote(ConsumedCapacity? consumed, string table)
    {
        if (consumed?.CapacityUnits is { } units)
        {
            WriteUnits.Add(units, new KeyValuePair<string, object?>("table", table));
        }
    }

    public static void Read(ConsumedCapacity? consumed, string table)
    {
        if (consumed?.CapacityUnits is { } units)
        {
            ReadUnits.Add(units, new KeyValuePair<string, object?>("table", table));
        }
    }
}
