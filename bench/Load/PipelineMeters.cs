using System.Diagnostics.Metrics;
using SecurityCoach.Providers.Aws;
using SecurityCoach.Providers.Aws.Streaming;
using SecurityCoach.Users;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// What the in-process silo's grains and providers publish, counted with a <see cref="MeterListener"/>: events the
/// user grains scored (<see cref="UserGrainMetrics.ScoredName"/>) or dropped as duplicates, and the DynamoDB capacity
/// units the storage and reminder table consumed (<see cref="DynamoDBCapacity"/>, as DynamoDB reports them with
/// <c>ReturnConsumedCapacity</c>). The instruments are static, so every silo of the process reports to them (the test
/// host runs several at once): scored events count only for the user grains of this run's tenants, capacity only for
/// this run's tables. Only a silo in this process can be counted; with <c>--target</c> there is none.
/// </summary>
public sealed class PipelineMeters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IGrainContextAccessor _grains;
    private readonly HashSet<string> _tables;
    private readonly Lock _units = new();
    private string? _tenantPrefix;
    private long _scored;
    private long _duplicates;
    private double _writeUnits;
    private double _readUnits;

    /// <param name="grains">The silo's grain context accessor: which grain, if any, the current thread runs.</param>
    /// <param name="tables">The DynamoDB tables whose capacity counts (aws-local: the run's state and reminder tables).</param>
    public PipelineMeters(IGrainContextAccessor grains, IEnumerable<string>? tables = null)
    {
        _grains = grains;
        _tables = new HashSet<string>(tables ?? [], StringComparer.Ordinal);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == UserGrainMetrics.MeterName && instrument.Name is UserGrainMetrics.ScoredName or UserGrainMetrics.DuplicatesName
                || instrument.Meter.Name == SqsStreamMetrics.MeterName && instrument.Name is DynamoDBCapacity.WriteUnitsName or DynamoDBCapacity.ReadUnitsName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnEvents);
        _listener.SetMeasurementEventCallback<double>(OnUnits);
        _listener.Start();
    }

    /// <summary>From now on counts the events of user grains whose tenant id starts with <paramref name="prefix"/>.</summary>
    public void CountTenants(string prefix) => Volatile.Write(ref _tenantPrefix, prefix);

    public PipelineSnapshot Take()
    {
        lock (_units)
        {
            return new PipelineSnapshot(Interlocked.Read(ref _scored), Interlocked.Read(ref _duplicates), _writeUnits, _readUnits);
        }
    }

    /// <summary>Events scored so far by this run's user grains.</summary>
    public long Scored => Interlocked.Read(ref _scored);

    // The user grain adds to its counter inside its own turn, so the grain running is the one that scored.
    private void OnEvents(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var prefix = Volatile.Read(ref _tenantPrefix);
        if (prefix is null || _grains.GrainContext?.GrainId.Key.ToString() is not { } key || !key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return;
        }

        Interlocked.Add(ref instrument.Name == UserGrainMetrics.ScoredName ? ref _scored : ref _duplicates, value);
    }

    private void OnUnits(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? table = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "table")
            {
                table = tag.Value as string;
            }
        }

        if (table is null || !_tables.Contains(table))
        {
            return;
        }

        lock (_units)
        {
            if (instrument.Name == DynamoDBCapacity.WriteUnitsName)
            {
                _writeUnits += value;
            }
            else
            {
                _readUnits += value;
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>The totals of <see cref="PipelineMeters"/> at one moment.</summary>
public sealed record PipelineSnapshot(long Scored, long Duplicates, double WriteUnits, double ReadUnits);
