using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// The events of one stream batch on their way to the consumer: through one SQS message (Orleans-serialized), or
/// through the in-process queue as the very objects the producer gave. The sequence token is not sent: the receiver
/// assigns it, one per batch.
/// </summary>
[GenerateSerializer]
internal sealed class StreamBatchContainer(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext) : IBatchContainer
{
    [Id(0)]
    public StreamId StreamId { get; } = streamId;

    [Id(1)]
    public List<object> Events { get; } = events;

    [Id(2)]
    public Dictionary<string, object>? RequestContext { get; } = requestContext;

    [Id(3)]
    public EventSequenceTokenV2? Token { get; set; }

    public StreamSequenceToken SequenceToken => Token ?? throw new InvalidOperationException("The receiver assigns the token before the batch is cached.");

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        var token = Token ?? throw new InvalidOperationException("The receiver assigns the token before the batch is cached.");
        for (var i = 0; i < Events.Count; i++)
        {
            if (Events[i] is T item)
            {
                yield return Tuple.Create<T, StreamSequenceToken>(item, token.CreateSequenceTokenForEvent(i));
            }
        }
    }

    public bool ImportRequestContext()
    {
        if (RequestContext is null)
        {
            return false;
        }

        RequestContextExtensions.Import(RequestContext);
        return true;
    }

    public override string ToString() => $"StreamBatchContainer({StreamId}, {Events.Count} events, {Token})";
}
