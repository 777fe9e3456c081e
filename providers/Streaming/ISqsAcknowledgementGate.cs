namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// Lets consumers write their state behind the stream (once for many batches) without losing what they were given:
/// with a gate registered for a provider (<see cref="Hosting.SiloSqsStreamConfigurator.AcknowledgeThrough{TGate}"/>),
/// a receiver deletes a delivered message only once the gate confirms that the consumers of every batch in it have
/// persisted the state that reflects it. Until then the message stays invisible; a crash in between makes it visible
/// again, so consumers must drop what they already counted (they are idempotent anyway: delivery is at least once).
/// </summary>
public interface ISqsAcknowledgementGate
{
    /// <summary>
    /// Asks the consumers of <paramref name="delivered"/> (per stream, the sequence numbers of its batches delivered
    /// and not yet confirmed) to persist what those batches changed. Per stream the answer is <c>true</c> when every
    /// one of them is persisted, <c>false</c> when the consumer cannot vouch for them (it never saw them, e.g. a new
    /// activation after a crash: the messages are then released for redelivery), and absent when it could not tell
    /// now (storage down, a call that timed out: asked again on the next round, the messages kept invisible).
    /// </summary>
    Task<IReadOnlyDictionary<StreamId, bool>> PersistAsync(IReadOnlyDictionary<StreamId, List<long>> delivered, CancellationToken cancellationToken);
}
