using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// Samples this process's allocations by type from the runtime's own GC events (one event per ~100 KB allocated),
/// for <c>--alloc-types</c>: where the bytes per event go, without an external profiler.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);

    /// <summary>The types that took the most sampled bytes, largest first, with their share of all sampled bytes.</summary>
    public IReadOnlyList<(string Type, double Percent)> Top(int count)
    {
        var total = Math.Max(1, _bytesByType.Values.Sum());
        return [.. _bytesByType.OrderByDescending(t => t.Value).Take(count).Select(t => (t.Key, Math.Round(100.0 * t.Value / total, 1)))];
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.PayloadNames.IndexOf("TypeName");
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (type >= 0 && amount >= 0 && eventData.Payload![type] is string typeName && eventData.Payload[amount] is ulong bytes)
        {
            _bytesByType.AddOrUpdate(typeName, (long)bytes, (_, sum) => sum + (long)bytes);
        }
    }
}
