namespace SecurityCoach.Users;

/// <summary>
/// The stream batches one user activation applied, by sequence number, for <see cref="IUserGrain.ConfirmPersisted"/>:
/// the activation vouches only for batches it applied itself. A confirmed batch is vouched for again for
/// <see cref="ConfirmedMemory"/> (the provider asks again when it gave up waiting for an answer); of the unconfirmed,
/// the oldest are forgotten past <see cref="MaxUnconfirmed"/> (asked about, they are refused and delivered again, their
/// events dropped as duplicates). Not thread-safe: the grain's turns use it one at a time.
/// </summary>
internal sealed class AppliedBatches(TimeProvider time)
{
    private const int MaxUnconfirmed = 4096;

    private static readonly TimeSpan ConfirmedMemory = TimeSpan.FromSeconds(30);

    private readonly HashSet<long> _unconfirmed = [];

    /// <summary><see cref="_unconfirmed"/>'s arrivals oldest first (some since confirmed), for forgetting the oldest.</summary>
    private readonly Queue<long> _unconfirmedInOrder = new();

    /// <summary>Batches confirmed in the current and the previous <see cref="ConfirmedMemory"/>.</summary>
    private HashSet<long> _confirmed = [];
    private HashSet<long> _confirmedBefore = [];
    private long _confirmedSince;

    public void Applied(long sequenceNumber)
    {
        if (_unconfirmedInOrder.Count >= MaxUnconfirmed)
        {
            _unconfirmed.Remove(_unconfirmedInOrder.Dequeue());
        }

        if (_unconfirmed.Add(sequenceNumber))
        {
            _unconfirmedInOrder.Enqueue(sequenceNumber);
        }
    }

    /// <summary>True when every one of them was applied here (the caller has written the state that holds them).</summary>
    public bool Confirm(List<long> sequenceNumbers)
    {
        if (time.GetElapsedTime(_confirmedSince) > ConfirmedMemory)
        {
            (_confirmedBefore, _confirmed) = (_confirmed, _confirmedBefore);
            _confirmed.Clear();
            _confirmedSince = time.GetTimestamp();
        }

        var all = true;
        foreach (var sequenceNumber in sequenceNumbers)
        {
            if (_unconfirmed.Remove(sequenceNumber))
            {
                _confirmed.Add(sequenceNumber);
            }
            else if (!_confirmed.Contains(sequenceNumber) && !_confirmedBefore.Contains(sequenceNumber))
            {
                all = false;
            }
        }

        if (_unconfirmed.Count == 0)
        {
            _unconfirmedInOrder.Clear();
        }

        return all;
    }

    /// <summary>Forgets the unconfirmed ones: the activation will not write what it applied (it failed midway).</summary>
    public void ForgetUnconfirmed()
    {
        _unconfirmed.Clear();
        _unconfirmedInOrder.Clear();
    }
}
