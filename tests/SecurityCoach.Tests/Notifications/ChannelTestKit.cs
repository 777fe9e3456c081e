using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SecurityCoach.Coaching;
using SecurityCoach.Notifications;

namespace SecurityCoach.Tests.Notifications;

/// <summary>Channels built as the silo builds them, with a short channel timeout.</summary>
public static class ChannelTestKit
{
    /// <summary>Generous, so a cold start on a busy machine is not mistaken for a timeout; the timeout test sets its own.</summary>
    public static readonly TimeSpan ChannelTimeout = TimeSpan.FromSeconds(10);

    public static HttpDelivery Http(TimeSpan? channelTimeout = null) => new(
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
        Coaching(channelTimeout),
        TimeProvider.System);

    public static IOptions<CoachingOptions> Coaching(TimeSpan? channelTimeout = null) =>
        Options.Create(new CoachingOptions { ChannelTimeout = channelTimeout ?? ChannelTimeout });

    public static CoachingMessage Message(string userKey = "jdoe@example.com", string eventJson = """{"actor":{"user":{"email_addr":"jdoe@example.com"}}}""") =>
        new("c0ffee", "acme", userKey, "phishing", "evt-1", new CoachingTip("That was a phish", "You opened a phishing page.\n\nCheck the address first."),
            Encoding.UTF8.GetBytes(eventJson));
}
