namespace SecurityCoach.Notifications.Outbound;

/// <summary>A connection the outbound policy did not allow; nothing was sent. The message names the host, never the addresses it resolved to.</summary>
public sealed class OutboundRequestRefusedException(string message) : IOException(message);
