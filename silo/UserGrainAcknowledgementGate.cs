using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Silo;

/// <summary>
/// The user grains' side of the SQS provider's deferred acknowledgement: asks each user whose batches were delivered
/// to write what it holds unwritten and vouch for those batches (<see cref="IUserGrain.ConfirmPersisted"/>). A user that
/// failed or did not answer in time is left out of the answer, so its messages stay invisible and are asked about again.
/// At most <see cref="MaxConfirmationsInFlight"/> users are asked at once per silo: each may write, and a round of
/// thousands of writes at once only queues them at the table (and opens a connection for each).
/// </summary>
internal sealed class UserGrainAcknowledgementGate(IGrainFactory grains) : ISqsAcknowledgementGate, IDisposable
{
    private const int MaxConfirmationsInFlight = 64;

    private readonly SemaphoreSlim _inFlight = new(MaxConfirmationsInFlight);

    public async Task<IReadOnlyDictionary<StreamId, bool>> PersistAsync(IReadOnlyDictionary<StreamId, List<long>> delivered, CancellationToken cancellationToken)
    {
        var calls = new List<(StreamId Stream, Task<bool> Persisted)>(delivered.Count);
        var answers = new Dictionary<StreamId, bool>(delivered.Count);
        foreach (var (stream, sequenceNumbers) in delivered)
        {
            if (stream.GetNamespace() == SecurityEventStreams.Namespace)
            {
                calls.Add((stream, ConfirmAsync(stream, sequenceNumbers, cancellationToken)));
            }
            else
            {
                // No user grain consumes it, and no other consumer writes behind: delivered is acknowledged.
                answers[stream] = true;
            }
        }

        try
        {
            await Task.WhenAll(calls.Select(c => c.Persisted)).WaitAsync(cancellationToken);
        }
        catch (Exception)
        {
            // Each call's own outcome is read below; those that failed or are still running are left out.
        }

        foreach (var (stream, persisted) in calls)
        {
            if (persisted.IsCompletedSuccessfully)
            {
                answers[stream] = persisted.Result;
            }
        }

        return answers;
    }

    public void Dispose() => _inFlight.Dispose();

    private async Task<bool> ConfirmAsync(StreamId stream, List<long> sequenceNumbers, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            return await grains.GetGrain<IUserGrain>(stream.GetKeyAsString()).ConfirmPersisted(sequenceNumbers);
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
