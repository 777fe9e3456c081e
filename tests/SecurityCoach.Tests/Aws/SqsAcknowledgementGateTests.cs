using Orleans.Providers.Streams.Common;
using SecurityCoach.Providers.Aws.Streaming;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>
/// Deferred acknowledgement against fauxqs: with a gate, a delivered message is deleted only once the gate confirms
/// its consumers persisted it; unanswered it stays invisible, refused it is delivered again.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SqsAcknowledgementGateTests(LocalAwsFixture aws)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_delivered_message_whose_consumer_has_not_confirmed_stays_invisible_past_its_timeout_and_goes_once_confirmed()
    {
        var gate = new ScriptedGate { Answer = _ => null };
        var options = Options();
        await using var sqs = await SqsAdapterHarness.StartAsync(options, gate: gate);
        var stream = StreamId.Create("behind", "u1");
        var queueId = sqs.Mapper.GetQueueForStream(stream);
        var queueUrl = (await sqs.Queue(queueId)).Url;
        await sqs.Send(stream, "e1");
        var received = await sqs.ReceiveAsync(1, Within);
        await sqs.DeliverAsync(received);

        // Three visibility timeouts: the gate is asked (and answers nothing: storage down) every round, the message
        // is neither deleted nor handed out again.
        var until = DateTime.UtcNow + (options.VisibilityTimeout * 3);
        while (DateTime.UtcNow < until)
        {
            Assert.Empty(await sqs.Receivers[queueId].GetQueueMessagesAsync(10, CancellationToken.None));
            Assert.Empty((await aws.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 1 })).Messages ?? []);
        }

        Assert.True(gate.Rounds >= 3, $"the gate was asked {gate.Rounds} times");
        Assert.Equal(1, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
        var asked = gate.LastAsked!;
        Assert.Equal([stream], asked.Keys);
        Assert.Equal([((EventSequenceTokenV2)received[queueId][0].SequenceToken).SequenceNumber], asked[stream]);

        gate.Answer = streams => streams.Keys.ToDictionary(s => s, _ => true);
        await Eventually.Until(() => SqsAdapterHarness.MessagesIn(aws, queueUrl), n => n == 0, "the confirmed message deleted", Within);
        Assert.Equal(0, sqs.Receivers[queueId].InFlightCount);
    }

    [Fact]
    public async Task A_message_a_consumer_cannot_vouch_for_is_released_at_once_and_a_gate_that_throws_keeps_it()
    {
        var gate = new ScriptedGate { Answer = _ => throw new TimeoutException("the user grain did not answer") };
        var options = Options();
        options.VisibilityTimeout = TimeSpan.FromSeconds(30);
        await using var sqs = await SqsAdapterHarness.StartAsync(options, gate: gate);
        var stream = StreamId.Create("behind", "u2");
        var queueId = sqs.Mapper.GetQueueForStream(stream);
        var queueUrl = (await sqs.Queue(queueId)).Url;
        await sqs.Send(stream, "e1");
        await sqs.DeliverAsync(await sqs.ReceiveAsync(1, Within));
        await Eventually.Until(() => Task.FromResult(gate.Rounds), n => n >= 2, "the gate asked twice", Within);
        Assert.Equal(1, sqs.Receivers[queueId].InFlightCount);

        // A new activation never saw the batch: the message comes back well before its 30 s timeout.
        gate.Answer = streams => streams.Keys.ToDictionary(s => s, _ => false);
        var again = await sqs.ReceiveAsync(1, Within);
        var redelivered = Assert.Single(again[queueId]);
        Assert.Equal(stream, redelivered.StreamId);
        Assert.Equal(["e1"], redelivered.GetEvents<string>().Select(e => e.Item1));

        gate.Answer = streams => streams.Keys.ToDictionary(s => s, _ => true);
        await sqs.DeliverAsync(again);
        await Eventually.Until(() => SqsAdapterHarness.MessagesIn(aws, queueUrl), n => n == 0, "the redelivered message confirmed and deleted", Within);
    }

    private SqsStreamOptions Options()
    {
        var options = SqsAdapterHarness.Options(aws);
        options.QueueCount = 1;
        options.VisibilityTimeout = TimeSpan.FromSeconds(4);
        options.AcknowledgeInterval = TimeSpan.FromMilliseconds(200);
        return options;
    }

    private sealed class ScriptedGate : ISqsAcknowledgementGate
    {
        private int _rounds;

        /// <summary>Per round: the answers, or null for none at all.</summary>
        public required Func<IReadOnlyDictionary<StreamId, List<long>>, IReadOnlyDictionary<StreamId, bool>?> Answer { get; set; }

        public int Rounds => Volatile.Read(ref _rounds);

        public IReadOnlyDictionary<StreamId, List<long>>? LastAsked { get; private set; }

        public Task<IReadOnlyDictionary<StreamId, bool>> PersistAsync(IReadOnlyDictionary<StreamId, List<long>> delivered, CancellationToken cancellationToken)
        {
            LastAsked = delivered.ToDictionary(p => p.Key, p => p.Value.ToList());
            Interlocked.Increment(ref _rounds);
            return Task.FromResult(Answer(delivered) ?? new Dictionary<StreamId, bool>());
        }
    }
}
