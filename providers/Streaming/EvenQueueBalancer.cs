using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// Spreads a stream provider's queues evenly over the active silos: the silos in a fixed order (by address), queue
/// k of the provider's queues to silo k mod n, so every silo reads ⌊q/n⌋ or ⌈q/n⌉ of them. Orleans' default
/// (consistent ring) places silos at hashed points of a ring, which with a handful of queues is lopsided: with 8
/// queues and 2 silos, 30 cluster starts split them from 4/4 to 7/1, and now and then 8/0 — one silo reading every
/// event while the other idles.
/// Every silo computes the same assignment from its own view of the membership. While views differ (a silo joining
/// or leaving) a queue may for a moment be read by two silos or by none: SQS lets two readers share a queue (a
/// received message is invisible to the other), and a queue nobody reads keeps its messages — the same transition
/// the ring has. A change of the active silos moves queues whose index modulo n changed; each move releases the old
/// reader's undelivered messages for the new one (at least once, as any move).
/// </summary>
internal sealed partial class EvenQueueBalancer : QueueBalancerBase
{
    private QueueId[] _queues = [];
    private SiloAddress[] _active;

    public EvenQueueBalancer(IServiceProvider services, ILogger<EvenQueueBalancer> logger)
        : base(services, logger)
    {
        _active = Order(services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress));
    }

    public static IStreamQueueBalancer Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<EvenQueueBalancer>(services);

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        _queues = [.. queueMapper.GetAllQueues()];
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues() => Assign(_queues, Volatile.Read(ref _active), SiloAddress);

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        var active = Order(activeSilos);
        Volatile.Write(ref _active, active);
        var mine = Assign(_queues, active, SiloAddress).Count;
        LogActiveSilos(Logger, SiloAddress, active.Length, mine);
        NotifyListeners().Ignore();
    }

    /// <summary>
    /// The queues <paramref name="silo"/> reads when <paramref name="activeSilos"/> (in <see cref="Order"/>) are
    /// active: none when it is not one of them.
    /// </summary>
    internal static List<QueueId> Assign(IReadOnlyList<QueueId> queues, SiloAddress[] activeSilos, SiloAddress silo)
    {
        var mine = new List<QueueId>();
        var index = Array.IndexOf(activeSilos, silo);
        if (index < 0)
        {
            return mine;
        }

        // In queue order, whatever order the mapper listed them in.
        var ordered = queues.OrderBy(q => q.GetNumericId()).ToList();
        for (var k = index; k < ordered.Count; k += activeSilos.Length)
        {
            mine.Add(ordered[k]);
        }

        return mine;
    }

    /// <summary>The order every silo agrees on: by address, port and generation.</summary>
    internal static SiloAddress[] Order(IEnumerable<SiloAddress> silos) =>
        [.. silos.OrderBy(silo => silo.ToParsableString(), StringComparer.Ordinal)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream queues on {Silo}: {Active} active silos, this one reads {Queues} queues.")]
    private static partial void LogActiveSilos(ILogger logger, SiloAddress silo, int active, int queues);
}
