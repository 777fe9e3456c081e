using Amazon.S3.Model;
using Amazon.SQS.Model;
using Orleans.Streams;
using SecurityCoach.Providers.Aws.Streaming;
using SecurityCoach.Tests.Infrastructure;

namespace SecurityCoach.Tests.Aws;

/// <summary>The SQS stream adapter and receivers against fauxqs, driven the way the pulling agent drives them.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class SqsStreamAdapterTests(LocalAwsFixture aws)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Batches_on_many_streams_arrive_in_stream_order_one_message_each_and_are_deleted_after_delivery()
    {
        await using var sqs = await SqsAdapterHarness.StartAsync(SqsAdapterHarness.Options(aws));
        var streams = Enumerable.Range(0, 12).Select(i => StreamId.Create("orders", $"s{i}")).ToList();
        for (var round = 0; round < 3; round++)
        {
            foreach (var stream in streams)
            {
                await sqs.Send(stream, $"{stream.GetKeyAsString()}/{round}/a", $"{stream.GetKeyAsString()}/{round}/b");
            }
        }

        var received = await sqs.ReceiveAsync(streams.Count * 3, Within);
        var all = received.Values.SelectMany(b => b).ToList();
        Assert.Equal(streams.Count * 3, all.Count);
        Assert.True(received.Values.Count(b => b.Count > 0) > 1, "the streams should spread over several queues");
        foreach (var stream in streams)
        {
            var batches = all.Where(b => b.StreamId == stream).ToList();
            var events = batches.SelectMany(b => b.GetEvents<string>()).ToList();
            var key = stream.GetKeyAsString();
            Assert.Equal(
                [$"{key}/0/a", $"{key}/0/b", $"{key}/1/a", $"{key}/1/b", $"{key}/2/a", $"{key}/2/b"],
                events.Select(e => e.Item1));
            Assert.All(batches, b => Assert.Equal(2, b.GetEvents<string>().Count()));
            var tokens = events.Select(e => e.Item2).ToList();
            Assert.True(tokens.Zip(tokens.Skip(1)).All(p => p.First.CompareTo(p.Second) < 0), $"tokens of {key} are not increasing: {string.Join(", ", tokens)}");
            Assert.All(batches, b => Assert.Equal(sqs.Mapper.GetQueueForStream(stream), received.Single(r => r.Value.Contains(b)).Key));
        }

        foreach (var queueId in sqs.Receivers.Keys)
        {
            Assert.Equal(received[queueId].Count, await SqsAdapterHarness.MessagesIn(aws, (await sqs.Queue(queueId)).Url));
        }

        await sqs.DeliverAsync(received);

        foreach (var queueId in sqs.Receivers.Keys)
        {
            Assert.Equal(0, await SqsAdapterHarness.MessagesIn(aws, (await sqs.Queue(queueId)).Url));
            Assert.Equal(0, sqs.Receivers[queueId].InFlightCount);
        }
    }

    [Fact]
    public async Task Concurrent_publishes_share_messages_and_a_message_is_deleted_only_once_every_batch_in_it_was_delivered()
    {
        var options = SqsAdapterHarness.Options(aws);
        options.QueueCount = 1;
        options.VisibilityTimeout = TimeSpan.FromSeconds(30);
        await using var sqs = await SqsAdapterHarness.StartAsync(options);
        var queueId = sqs.Mapper.GetAllQueues().Single();
        var queueUrl = (await sqs.Queue(queueId)).Url;
        var streams = Enumerable.Range(0, 200).Select(i => StreamId.Create("packed", $"s{i}")).ToList();

        await Task.WhenAll(streams.Select(stream => sqs.Send(stream, $"{stream.GetKeyAsString()}/a", $"{stream.GetKeyAsString()}/b")));

        var messages = await SqsAdapterHarness.MessagesIn(aws, queueUrl);
        Assert.True(messages < streams.Count / 4, $"200 concurrent publishes took {messages} messages");
        var received = (await sqs.ReceiveAsync(streams.Count, Within))[queueId];
        Assert.Equal(streams.Count, received.Count);
        foreach (var stream in streams)
        {
            var key = stream.GetKeyAsString();
            Assert.Equal([$"{key}/a", $"{key}/b"], Assert.Single(received, b => b.StreamId == stream).GetEvents<string>().Select(e => e.Item1));
        }

        // Delivered one at a time in token order (as the cache releases them): a message goes when its last batch
        // does, not before. 200 batches in fewer than 50 messages: most deliveries must leave their message held.
        var receiver = sqs.Receivers[queueId];
        var inTokenOrder = received.OrderBy(b => b.SequenceToken).ToList();
        var heldBack = 0;
        for (var i = 0; i < inTokenOrder.Count; i++)
        {
            var before = receiver.InFlightCount;
            await receiver.MessagesDeliveredAsync([inTokenOrder[i]], CancellationToken.None);
            Assert.InRange(before - receiver.InFlightCount, 0, 1);
            heldBack += before == receiver.InFlightCount ? 1 : 0;
            if (i % 20 == 0)
            {
                Assert.Equal(receiver.InFlightCount, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
            }
        }

        Assert.Equal(streams.Count - messages, heldBack);
        Assert.Equal(0, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
        Assert.Equal(0, receiver.InFlightCount);
    }

    [Fact]
    public async Task A_message_one_of_whose_batches_failed_is_given_up_whole_and_comes_back_with_all_its_batches()
    {
        var options = SqsAdapterHarness.Options(aws);
        options.QueueCount = 1;
        await using var sqs = await SqsAdapterHarness.StartAsync(options);
        var queueId = sqs.Mapper.GetAllQueues().Single();
        var queueUrl = (await sqs.Queue(queueId)).Url;
        var streams = Enumerable.Range(0, 100).Select(i => StreamId.Create("given-up", $"s{i}")).ToList();
        await Task.WhenAll(streams.Select(stream => sqs.Send(stream, stream.GetKeyAsString())));
        var inTokenOrder = (await sqs.ReceiveAsync(streams.Count, Within))[queueId].OrderBy(b => b.SequenceToken).ToList();
        var receiver = sqs.Receivers[queueId];

        // Delivered in token order until one delivery leaves its message held: the next batch is of the same message.
        var i = 0;
        while (true)
        {
            var before = receiver.InFlightCount;
            await receiver.MessagesDeliveredAsync([inTokenOrder[i]], CancellationToken.None);
            if (receiver.InFlightCount == before)
            {
                break;
            }

            i++;
        }

        // The cache releases what was delivered and leaves out a failed batch: that next one.
        var failed = inTokenOrder[i + 1];
        await receiver.MessagesDeliveredAsync(inTokenOrder[(i + 2)..], CancellationToken.None);

        Assert.Equal(1, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
        Assert.Equal(0, sqs.Receivers[queueId].InFlightCount);
        var again = await sqs.ReceiveAsync(1, options.VisibilityTimeout + Within);
        var redelivered = again[queueId];
        Assert.Contains(redelivered, b => b.StreamId == failed.StreamId);
        Assert.Contains(redelivered, b => b.StreamId == inTokenOrder[i].StreamId);
        await sqs.DeliverAsync(again);
        Assert.Equal(0, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
    }

    [Fact]
    public async Task A_batch_over_the_size_limit_is_split_in_order_and_an_event_over_it_travels_through_S3()
    {
        var options = SqsAdapterHarness.Options(aws);
        options.MaxMessageBytes = 4096;
        var name = SqsAdapterHarness.NewName();
        using var metrics = new CounterProbe(SqsStreamMetrics.MeterName, "provider", name);
        await using var sqs = await SqsAdapterHarness.StartAsync(options, name);
        var stream = StreamId.Create("big", Guid.NewGuid().ToString("N"));
        var queueUrl = (await sqs.Queue(sqs.Mapper.GetQueueForStream(stream))).Url;
        var small = Enumerable.Range(0, 24).Select(i => $"{i:D2}:" + new string('x', 400)).ToArray();
        var huge = string.Concat(Enumerable.Range(0, 3000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)));

        await sqs.Send(stream, small);
        var messagesForSmall = await SqsAdapterHarness.MessagesIn(aws, queueUrl);
        await sqs.Send(stream, huge);

        Assert.InRange(messagesForSmall, 3, 24);
        Assert.Equal(1, metrics.Total(SqsStreamMetrics.OffloadedName));
        var objects = await aws.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = SqsAdapterHarness.Bucket, Prefix = options.S3KeyPrefix });
        var offloaded = Assert.Single(objects.S3Objects ?? [], o => o.Size > options.MaxMessageBytes);

        var received = await sqs.ReceiveAsync(messagesForSmall + 1, Within);
        var events = received.Values.SelectMany(b => b).SelectMany(b => b.GetEvents<string>()).Select(e => e.Item1).ToList();
        Assert.Equal([.. small, huge], events);

        await sqs.DeliverAsync(received);
        Assert.Equal(0, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
        var after = await aws.S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = SqsAdapterHarness.Bucket, Prefix = offloaded.Key });
        Assert.Empty(after.S3Objects ?? []);
    }

    [Fact]
    public async Task A_message_waiting_in_the_cache_stays_invisible_past_the_visibility_timeout_and_is_deleted_with_its_receipt()
    {
        var options = SqsAdapterHarness.Options(aws);
        // Long enough that a heartbeat delayed by a busy 2-core machine still lands in time (2 s did not, once).
        options.VisibilityTimeout = TimeSpan.FromSeconds(4);
        await using var sqs = await SqsAdapterHarness.StartAsync(options);
        var stream = StreamId.Create("slow", Guid.NewGuid().ToString("N"));
        var queueId = sqs.Mapper.GetQueueForStream(stream);
        var queueUrl = (await sqs.Queue(queueId)).Url;
        await sqs.Send(stream, 1, 2, 3);
        var received = await sqs.ReceiveAsync(1, Within);

        // Two and a half visibility timeouts with the batch held and not acknowledged: without the heartbeat SQS
        // would have handed it out again.
        var held = DateTime.UtcNow;
        while (DateTime.UtcNow - held < options.VisibilityTimeout * 2.5)
        {
            var other = await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 1, VisibilityTimeout = 30 });
            Assert.Empty(other.Messages ?? []);
        }

        var again = await sqs.Receivers[queueId].GetQueueMessagesAsync(10, CancellationToken.None);
        Assert.Empty(again);

        await sqs.DeliverAsync(received);
        Assert.Equal(0, await SqsAdapterHarness.MessagesIn(aws, queueUrl));
    }

    [Fact]
    public async Task Shutdown_makes_undelivered_messages_visible_again_at_once()
    {
        var options = SqsAdapterHarness.Options(aws);
        options.VisibilityTimeout = TimeSpan.FromSeconds(60);
        await using var sqs = await SqsAdapterHarness.StartAsync(options);
        var stream = StreamId.Create("stop", Guid.NewGuid().ToString("N"));
        var queueUrl = (await sqs.Queue(sqs.Mapper.GetQueueForStream(stream))).Url;
        await sqs.Send(stream, "kept");
        Assert.Single((await sqs.ReceiveAsync(1, Within)).Values.SelectMany(b => b));

        await sqs.ShutdownAsync();

        var next = await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 1 });
        Assert.Single(next.Messages ?? []);
    }

    [Fact]
    public async Task An_unreadable_message_is_never_acknowledged_and_ends_in_the_dead_letter_queue_without_stopping_the_queue()
    {
        var options = SqsAdapterHarness.Options(aws);
        options.VisibilityTimeout = TimeSpan.FromSeconds(1);
        options.MaxReceiveCount = 2;
        var name = SqsAdapterHarness.NewName();
        using var metrics = new CounterProbe(SqsStreamMetrics.MeterName, "provider", name);
        await using var sqs = await SqsAdapterHarness.StartAsync(options, name);
        var stream = StreamId.Create("poison", Guid.NewGuid().ToString("N"));
        var queueId = sqs.Mapper.GetQueueForStream(stream);
        var queue = await sqs.Queue(queueId);
        await aws.Sqs.SendMessageAsync(queue.Url, "this is not a stream message");
        await sqs.Send(stream, "after the poison");

        var good = new List<IBatchContainer>();
        var deadline = DateTime.UtcNow + Within;
        while (DateTime.UtcNow < deadline && await SqsAdapterHarness.MessagesIn(aws, queue.DeadLetterUrl!) == 0)
        {
            var batches = await sqs.Receivers[queueId].GetQueueMessagesAsync(10, CancellationToken.None);
            good.AddRange(batches);
            await sqs.Receivers[queueId].MessagesDeliveredAsync(batches, CancellationToken.None);
        }

        Assert.Equal(["after the poison"], good.SelectMany(b => b.GetEvents<string>()).Select(e => e.Item1));
        var dead = await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue.DeadLetterUrl, WaitTimeSeconds = 1 });
        Assert.Equal("this is not a stream message", Assert.Single(dead.Messages ?? []).Body);
        Assert.Equal(0, await SqsAdapterHarness.MessagesIn(aws, queue.Url));
        Assert.Equal(options.MaxReceiveCount, metrics.Total(SqsStreamMetrics.UnreadableName));
        Assert.Equal(1, metrics.Total(SqsStreamMetrics.DeadLetterBoundName));
    }

    [Fact]
    public void Options_that_SQS_would_reject_fail_validation()
    {
        var options = new SqsStreamOptions
        {
            QueueNamePrefix = "has spaces",
            QueueCount = 0,
            MaxMessageBytes = 2 * SqsStreamOptions.SqsMaxMessageBytes,
            VisibilityTimeout = TimeSpan.FromMilliseconds(1500),
            ReceiveWaitTime = TimeSpan.FromSeconds(30),
            MaxReceiveCount = 0,
            SendTimeout = TimeSpan.Zero,
        };

        var error = Assert.Throws<OrleansConfigurationException>(() => new SqsStreamOptionsValidator(options, "bad").ValidateConfiguration());

        foreach (var key in new[] { "QueueNamePrefix", "QueueCount", "MaxMessageBytes", "VisibilityTimeout", "ReceiveWaitTime", "MaxReceiveCount", "SendTimeout" })
        {
            Assert.Contains(key, error.Message);
        }
    }
}
