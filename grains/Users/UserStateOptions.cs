namespace SecurityCoach.Users;

/// <summary>How user grains write their state; set by the hosting code with the stream provider, not from configuration.</summary>
public sealed class UserStateOptions
{
    /// <summary>
    /// Write a batch that starts no coaching behind the stream rather than before acknowledging it: the state is
    /// written when the stream provider asks for confirmation (<see cref="IUserGrain.ConfirmPersisted"/>), so many
    /// batches cost one write. Only for a stream provider that asks before it deletes (the SQS provider with the
    /// user grains' acknowledgement gate); with any other, a crash would lose the batches since the last write.
    /// </summary>
    public bool WriteBehind { get; set; }
}
