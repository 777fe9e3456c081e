using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// What the pulling agent calls when a consumer kept failing a batch for <c>MaxEventDeliveryTime</c>: a warning that
/// says what becomes of the batch (<paramref name="consequence"/>, the provider's own answer). The subscription is
/// not faulted, so the stream's later batches still reach the consumer.
/// </summary>
internal sealed partial class LoggingDeliveryFailureHandler(string name, string consequence, ILogger<LoggingDeliveryFailureHandler> logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogDeliveryFailure(logger, name, streamIdentity, sequenceToken, subscriptionId, consequence);
        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogSubscriptionFailure(logger, name, streamIdentity, subscriptionId);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream provider {Provider}: delivery to subscription {SubscriptionId} of stream {StreamId} failed at {Token}; {Consequence}")]
    private static partial void LogDeliveryFailure(ILogger logger, string provider, StreamId streamId, StreamSequenceToken? token, GuidId subscriptionId, string consequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream provider {Provider}: subscription {SubscriptionId} of stream {StreamId} failed")]
    private static partial void LogSubscriptionFailure(ILogger logger, string provider, StreamId streamId, GuidId subscriptionId);
}
