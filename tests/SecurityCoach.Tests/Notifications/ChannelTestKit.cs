using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SecurityCoach.Coaching;
using SecurityCoach.Notifications;
using SecurityCoach.Notifications.Outbound;

namespace SecurityCoach.Tests.Notifications;

/// <summary>Channels built as the silo builds them, with a short channel timeout.</summary>
public static class ChannelTestKit
{
    /// <summary>Generous, so a cold start on a busy machine is not mistaken for a timeout; the timeout test sets its own.</summary>
    public static readonly TimeSpan ChannelTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The silo's own HttpDelivery (<see cref="Services"/>) with the given channel timeout.</summary>
    public static HttpDelivery Http(TimeSpan? channelTimeout = null) =>
        Services(new Dictionary<string, string?>
        {
            [$"{CoachingOptions.Section}:ChannelTimeout"] = (channelTimeout ?? ChannelTimeout).ToString("c", CultureInfo.InvariantCulture),
        }).GetRequiredService<HttpDelivery>();

    /// <summary>
    /// What the grains get (AddSecurityCoachGrains: the outbound policy, the connect callback, no redirects), with
    /// loopback allowed so receivers on 127.0.0.1 can be reached, unless <paramref name="settings"/> sets
    /// <c>SecurityCoach:Outbound:AllowedNetworks</c> itself; <paramref name="resolver"/> replaces the system's.
    /// </summary>
    public static ServiceProvider Services(IDictionary<string, string?> settings, IHostResolver? resolver = null)
    {
        var all = new Dictionary<string, string?>(settings);
        if (!all.Keys.Any(k => k.StartsWith(OutboundOptions.Section + ":AllowedNetworks", StringComparison.Ordinal)))
        {
            all[$"{OutboundOptions.Section}:AllowedNetworks:0"] = "127.0.0.0/8";
        }

        var services = new ServiceCollection().AddLogging();
        if (resolver is not null)
        {
            services.AddSingleton(resolver);
        }

        return services.AddSecurityCoachGrains(new ConfigurationBuilder().AddInMemoryCollection(all).Build()).BuildServiceProvider();
    }

    public static IOptions<CoachingOptions> Coaching(TimeSpan? channelTimeout = null) =>
        Options.Create(new CoachingOptions { ChannelTimeout = channelTimeout ?? ChannelTimeout });

    public static CoachingMessage Message(string userKey = "jdoe@example.com", string eventJson = """{"actor":{"user":{"email_addr":"jdoe@example.com"}}}""") =>
        new("c0ffee", "acme", userKey, "phishing", "evt-1", new CoachingTip("That was a phish", "You opened a phishing page.\n\nCheck the address first."),
            Encoding.UTF8.GetBytes(eventJson));

    /// <summary>A message as a coaching sends it: the campaign's tip template, rendered from the event, and the template itself.</summary>
    public static CoachingMessage Templated(CoachingTip template, string eventJson, string userKey = "jdoe@example.com")
    {
        var json = Encoding.UTF8.GetBytes(eventJson);
        return new("c0ffee", "acme", userKey, "phishing", "evt-1", TipRenderer.Render(template, json), json, template);
    }
}
