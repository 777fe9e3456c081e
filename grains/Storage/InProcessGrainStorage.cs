using System.Collections.Concurrent;
using System.Globalization;
using Orleans.Storage;

namespace SecurityCoach.Storage;

/// <summary>
/// Grain state kept in this process's memory: the Local profile's storage (one silo, nothing outlives it).
/// Orleans' memory storage sends every read and write as a grain call to one of a few storage grains, which copies the
/// serialized state into the call and back and handles one write at a time per grain; at a few thousand events a
/// second those grains were a queue every persisted step waited in (bench/README.md). Here a write is a compare-and-swap
/// on a dictionary entry.
/// Contract (the storage conformance suite, the same as the DynamoDB storage's):
/// - Each record carries an ETag; a write or clear whose ETag is not the stored one throws
///   <see cref="InconsistentStateException"/> and changes nothing; a write without an ETag only inserts.
/// - Every write and clear issues a new ETag. A clear leaves a tombstone holding that ETag, so a write after a clear
///   needs it (from the clear or a fresh read) like any other.
/// - States are stored serialized (<see cref="IGrainStorageSerializer"/>): a grain never shares objects with storage.
/// - Memory is bounded by what is running, not by what ran: of the records whose state has ended
///   (<see cref="IEndedState"/>: a delivered coaching), the newest <paramref name="keepEnded"/> are kept and older ones
///   forgotten (0 keeps all). Without it a silo under steady load grew by every coaching it ever ran until the machine
///   ran out of memory (bench/README.md, "Memory under steady load"). A record is forgotten only if it has not been
///   written since it ended (a retried coaching runs again), in the order it ended.
/// </summary>
/// <param name="serializer">Turns states into the bytes kept and back.</param>
/// <param name="keepEnded">Ended records kept, newest first; 0 keeps every record.</param>
public sealed class InProcessGrainStorage(IGrainStorageSerializer serializer, int keepEnded = 0) : IGrainStorage
{
    /// <summary>A stored record: the serializer's bytes as it returned them; <see cref="Data"/> is null once cleared (a tombstone).</summary>
    private sealed record Entry(BinaryData? Data, string ETag);

    private readonly ConcurrentDictionary<(string StateName, GrainId Grain), Entry> _records = new();
    /// <summary>Ended records in the order they ended, each with the entry it ended with (a later write supersedes it).</summary>
    private readonly ConcurrentQueue<KeyValuePair<(string StateName, GrainId Grain), Entry>> _ended = new();
    private long _lastETag;

    /// <summary>Records held, tombstones included (tests look at it).</summary>
    internal int Count => _records.Count;

    /// <summary>The bytes of every live record (tests look for what must not be stored).</summary>
    internal IEnumerable<BinaryData> StoredBytes() => _records.Values.Where(e => e.Data is not null).Select(e => e.Data!);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (!_records.TryGetValue((stateName, grainId), out var entry) || entry.Data is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = entry?.ETag;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }

        grainState.State = serializer.Deserialize<T>(entry.Data) ?? Activator.CreateInstance<T>();
        grainState.ETag = entry.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var written = Swap(stateName, grainId, grainState.ETag, serializer.Serialize(grainState.State));
        grainState.ETag = written.ETag;
        grainState.RecordExists = true;
        if (keepEnded > 0 && grainState.State is IEndedState { HasEnded: true })
        {
            _ended.Enqueue(new((stateName, grainId), written));
            ForgetOldestEnded();
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Swap(stateName, grainId, grainState.ETag, data: null).ETag;
        grainState.State = Activator.CreateInstance<T>();
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Drops the oldest ended records beyond <c>keepEnded</c>; one written again since it ended stays (removal
    /// compares the whole entry), and its queue slot is simply used up.
    /// </summary>
    private void ForgetOldestEnded()
    {
        while (_ended.Count > keepEnded && _ended.TryDequeue(out var oldest))
        {
            _records.TryRemove(oldest);
        }
    }

    /// <summary>Replaces the record if its ETag is <paramref name="expectedETag"/> (null: no record yet); returns the new entry.</summary>
    private Entry Swap(string stateName, GrainId grainId, string? expectedETag, BinaryData? data)
    {
        var key = (stateName, grainId);
        var next = new Entry(data, Interlocked.Increment(ref _lastETag).ToString(CultureInfo.InvariantCulture));
        while (true)
        {
            if (!_records.TryGetValue(key, out var current))
            {
                // No record: only a caller that never saw one may insert it (or clear, which leaves a tombstone).
                if (expectedETag is not null)
                {
                    throw Conflict(stateName, grainId, expectedETag, stored: null);
                }

                if (_records.TryAdd(key, next))
                {
                    return next;
                }

                continue;
            }

            if (!string.Equals(current.ETag, expectedETag, StringComparison.Ordinal))
            {
                throw Conflict(stateName, grainId, expectedETag, current.ETag);
            }

            if (_records.TryUpdate(key, next, current))
            {
                return next;
            }
        }
    }

    private static InconsistentStateException Conflict(string stateName, GrainId grainId, string? expected, string? stored) =>
        new($"State '{stateName}' of grain {grainId} was changed by someone else: expected version {expected ?? "(none)"}, stored {stored ?? "(none)"}",
            stored ?? "", expected ?? "");
}
