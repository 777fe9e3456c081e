using System.Net;
using Orleans.Streams;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Tests.Aws;

/// <summary>The assignment the SQS provider's balancer gives each silo (the cluster tests watch it run).</summary>
public sealed class EvenQueueBalancerTests
{
    private static readonly QueueId[] Queues = [.. Enumerable.Range(0, 8).Select(i => QueueId.GetQueueId("q", (uint)i, (uint)(i * 7919)))];

    private static SiloAddress[] Silos(int count) =>
        [.. Enumerable.Range(0, count).Select(i => SiloAddress.New(IPAddress.Loopback, 11111 + (i * 37 % 11), 1000 + i))];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(11)]
    public void Every_queue_goes_to_exactly_one_silo_and_the_counts_differ_by_at_most_one(int silos)
    {
        var active = EvenQueueBalancer.Order(Silos(silos));
        var perSilo = active.Select(silo => EvenQueueBalancer.Assign(Queues, active, silo)).ToList();

        Assert.Equal(Queues.OrderBy(q => q.GetNumericId()), perSilo.SelectMany(q => q).OrderBy(q => q.GetNumericId()));
        Assert.InRange(perSilo.Max(q => q.Count) - perSilo.Min(q => q.Count), 0, 1);
    }

    [Fact]
    public void Every_silo_computes_the_same_assignment_whatever_order_it_learned_the_silos_in()
    {
        var silos = Silos(3);
        var seen = EvenQueueBalancer.Order(silos);
        var seenReversed = EvenQueueBalancer.Order(silos.Reverse());
        var shuffledQueues = Queues.Reverse().ToArray();

        foreach (var silo in silos)
        {
            Assert.Equal(EvenQueueBalancer.Assign(Queues, seen, silo), EvenQueueBalancer.Assign(shuffledQueues, seenReversed, silo));
        }
    }

    [Fact]
    public void A_silo_that_is_not_active_reads_nothing()
    {
        var silos = Silos(3);
        var active = EvenQueueBalancer.Order(silos.Take(2));

        Assert.Empty(EvenQueueBalancer.Assign(Queues, active, silos[2]));
        Assert.Equal(Queues.Length, active.Sum(silo => EvenQueueBalancer.Assign(Queues, active, silo).Count));
    }
}
