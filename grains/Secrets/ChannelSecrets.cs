namespace SecurityCoach.Secrets;

/// <summary>
/// Which parts of a channel are secret, sealed before a channel is stored and opened just before it is used: a
/// webhook's signing secret, and a Slack or Teams incoming-webhook URL (whoever has it can post as the app), which is
/// then shown only as its scheme and host (<see cref="ChannelDefinition.UrlShown"/>).
/// </summary>
public static class ChannelSecrets
{
    public static async ValueTask<ChannelDefinition> SealAsync(ISecretProtector protector, string tenantId, ChannelDefinition channel)
    {
        if (channel.Secret.Length > 0 && !EnvelopeSecretProtector.IsProtected(channel.Secret))
        {
            channel = channel with { Secret = await protector.ProtectAsync(tenantId, channel.Secret) };
        }

        if (UrlIsSecret(channel.Type) && channel.Url.Length > 0 && !EnvelopeSecretProtector.IsProtected(channel.Url))
        {
            var shown = Uri.TryCreate(channel.Url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) + "/…" : "…";
            channel = channel with { Url = await protector.ProtectAsync(tenantId, channel.Url), UrlShown = shown };
        }

        return channel;
    }

    public static async ValueTask<ChannelDefinition> OpenAsync(ISecretProtector protector, string tenantId, ChannelDefinition channel, CancellationToken cancellationToken)
    {
        if (EnvelopeSecretProtector.IsProtected(channel.Secret))
        {
            channel = channel with { Secret = await protector.UnprotectAsync(tenantId, channel.Secret, cancellationToken) };
        }

        if (EnvelopeSecretProtector.IsProtected(channel.Url))
        {
            channel = channel with { Url = await protector.UnprotectAsync(tenantId, channel.Url, cancellationToken) };
        }

        return channel;
    }

    private static bool UrlIsSecret(string type) => type is "slack" or "teams";
}
