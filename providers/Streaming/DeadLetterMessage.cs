namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>
/// One message of a dead-letter queue as an operator sees it: where it is, when it was first sent, how often it was
/// received, and what it holds (<see cref="Streams"/>: the keys of the streams whose batches it carries, e.g. <c>tenant/user</c>; <see cref="Problem"/>
/// when the body cannot be read).
/// </summary>
public sealed record DeadLetterMessage(string Queue, string MessageId, DateTimeOffset? SentAt, int? ReceiveCount, int Bytes, IReadOnlyList<string>? Streams, int? Events, string? Problem);
