namespace SecurityCoach.Providers.Aws.Streaming;

/// <summary>One dead-letter queue: its name, SQS's approximate count of its messages, and the few read for a look.</summary>
public sealed record DeadLetterQueueInfo(string Queue, string Source, long ApproximateMessages, DeadLetterMessage[] Sample);
