using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// <see cref="SimpleQueueCache"/> that does not release a batch of a stream the pulling agent is still registering.
/// The agent looks up a new stream's consumers asynchronously and only then opens a cursor; the simple cache counts
/// only cursors, so on the next read it would purge the stream's first batch before it was ever delivered
/// (dotnet/orleans#903): with SQS the message would be deleted, with the in-process queue the events simply gone.
/// Here a stream that has been quiet for the agent's inactivity period (or never seen) holds purging until a cursor
/// opens for it, or until <paramref name="registrationGrace"/> passes (a stream nobody consumes). Used by both of
/// this project's stream providers.
/// </summary>
internal sealed class RegistrationAwareQueueCache(int cacheSize, TimeSpan inactivityPeriod, TimeSpan registrationGrace, TimeProvider time, ILogger logger)
    : SimpleQueueCache(cacheSize, logger)
{
    private readonly Dictionary<StreamId, DateTimeOffset> _lastActivity = [];
    private readonly Dictionary<StreamId, DateTimeOffset> _registering = [];
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public override void AddToCache(IList<IBatchContainer> msgs)
    {
        var now = time.GetUtcNow();
        foreach (var batch in msgs)
        {
            if (!_lastActivity.TryGetValue(batch.StreamId, out var last) || now - last >= inactivityPeriod)
            {
                _registering.TryAdd(batch.StreamId, now);
            }

            _lastActivity[batch.StreamId] = now;
        }

        if (now >= _nextPrune)
        {
            // Streams quiet for longer than the inactivity period count as new anyway; forgetting them bounds the map.
            _nextPrune = now + inactivityPeriod;
            foreach (var (stream, last) in _lastActivity.ToList())
            {
                if (now - last >= inactivityPeriod)
                {
                    _lastActivity.Remove(stream);
                }
            }
        }

        base.AddToCache(msgs);
    }

    // The interface's TryGetCacheCursor and TryGetCacheCursorAtPosition, which the pulling agent calls, end here.
    [Obsolete("Use IQueueCache.TryGetCacheCursor instead.")]
    public override IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        _registering.Remove(streamId);
        _lastActivity[streamId] = time.GetUtcNow();
        return base.GetCacheCursor(streamId, token);
    }

    public override bool TryPurgeFromCache(out IList<IBatchContainer> purgedItems)
    {
        if (_registering.Count > 0)
        {
            var expired = time.GetUtcNow() - registrationGrace;
            foreach (var (stream, since) in _registering.ToList())
            {
                if (since <= expired)
                {
                    _registering.Remove(stream);
                }
            }

            if (_registering.Count > 0)
            {
                purgedItems = [];
                return false;
            }
        }

        return base.TryPurgeFromCache(out purgedItems!);
    }
}

/// <summary>One <see cref="RegistrationAwareQueueCache"/> per queue.</summary>
internal sealed class RegistrationAwareQueueAdapterCache(SimpleQueueCacheOptions options, StreamPullingAgentOptions agentOptions, TimeSpan registrationGrace, TimeProvider time, ILoggerFactory loggerFactory)
    : IQueueAdapterCache
{
    public IQueueCache CreateQueueCache(QueueId queueId) =>
        new RegistrationAwareQueueCache(options.CacheSize, agentOptions.StreamInactivityPeriod, registrationGrace, time, loggerFactory.CreateLogger<RegistrationAwareQueueCache>());
}
