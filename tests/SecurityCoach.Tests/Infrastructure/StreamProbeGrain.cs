using System.Collections.Concurrent;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace SecurityCoach.Tests.Infrastructure;

public interface IStreamProbeGrain : IGrainWithStringKey;

/// <summary>
/// Consumes the implicit stream of its own key and records what arrives in <see cref="StreamProbe"/> (test silos run in
/// the test process, so the record survives the activation and the silo). Keys starting with "slow-" take
/// <see cref="StreamProbe.SlowHandling"/> per event.
/// </summary>
[ImplicitStreamSubscription(StreamProbe.Namespace)]
public sealed class StreamProbeGrain : Grain, IStreamProbeGrain, IStreamSubscriptionObserver, IAsyncObserver<int>
{
    // The runtime hands over the implicit subscription before its first delivery, as the app's UserGrain does.
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<int>().ResumeAsync(this);

    public async Task OnNextAsync(int item, StreamSequenceToken? token = null)
    {
        var key = this.GetPrimaryKeyString();
        if (key.StartsWith("slow-", StringComparison.Ordinal))
        {
            await Task.Delay(StreamProbe.SlowHandling);
        }

        StreamProbe.Record(key, item);
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}

public static class StreamProbe
{
    /// <summary>The stream provider of the test clusters that use the probe (one provider per cluster: SQS or in-process).</summary>
    public const string Provider = "probe-streams";
    public const string Namespace = "probe";
    public static readonly TimeSpan SlowHandling = TimeSpan.FromSeconds(3);

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<int>> Received = new();

    public static void Record(string key, int item) => Received.GetOrAdd(key, _ => new()).Enqueue(item);

    public static int[] For(string key) => Received.TryGetValue(key, out var items) ? [.. items] : [];
}
