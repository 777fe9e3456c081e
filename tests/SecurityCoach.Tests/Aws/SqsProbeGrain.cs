using System.Collections.Concurrent;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace SecurityCoach.Tests.Aws;

public interface ISqsProbeGrain : IGrainWithStringKey;

/// <summary>
/// Consumes the implicit stream of its own key and records what arrives in <see cref="SqsProbe"/> (test silos run in
/// the test process, so the record survives the activation and the silo). Keys starting with "slow-" take
/// <see cref="SqsProbe.SlowHandling"/> per event.
/// </summary>
[ImplicitStreamSubscription(SqsProbe.Namespace)]
public sealed class SqsProbeGrain : Grain, ISqsProbeGrain, IStreamSubscriptionObserver, IAsyncObserver<int>
{
    // The runtime hands over the implicit subscription before its first delivery, as the app's UserGrain does.
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => handleFactory.Create<int>().ResumeAsync(this);

    public async Task OnNextAsync(int item, StreamSequenceToken? token = null)
    {
        var key = this.GetPrimaryKeyString();
        if (key.StartsWith("slow-", StringComparison.Ordinal))
        {
            await Task.Delay(SqsProbe.SlowHandling);
        }

        SqsProbe.Record(key, item);
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
}

public static class SqsProbe
{
    public const string Provider = "sqs-probe";
    public const string Namespace = "sqs-probe";
    public static readonly TimeSpan SlowHandling = TimeSpan.FromSeconds(3);

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<int>> Received = new();

    public static void Record(string key, int item) => Received.GetOrAdd(key, _ => new()).Enqueue(item);

    public static int[] For(string key) => Received.TryGetValue(key, out var items) ? [.. items] : [];
}
