namespace SecurityCoach.Notifications.Outbound;

/// <summary>
/// Where the silo may send what tenants ask it to (section <c>SecurityCoach:Outbound</c>). By default only public
/// addresses over https; <see cref="AllowedNetworks"/> names what else is allowed, over http too: CIDR networks
/// (<c>10.20.0.0/16</c>, <c>fd12::/48</c>) and host names (<c>hooks.corp.example</c>, or <c>*.corp.example</c> for its
/// subdomains), whose addresses are then allowed whatever they are. Unset, the Local profile allows loopback (so the
/// dev inbox and a receiver on the developer's machine work) and the AWS profiles nothing; the single entry
/// <c>none</c> allows nothing in any profile.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "SecurityCoach:Outbound";

    /// <summary>The entry that allows nothing (configuration cannot say "an empty list").</summary>
    public const string None = "none";

    public string[]? AllowedNetworks { get; set; }
}
