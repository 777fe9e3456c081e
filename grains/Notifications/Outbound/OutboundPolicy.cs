using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace SecurityCoach.Notifications.Outbound;

/// <summary>
/// Where the silo may connect on a tenant's behalf (<see cref="OutboundOptions"/>). Two checks, one rule:
/// - when a channel is stored, a URL whose host is an address in any spelling (<see cref="Ipv4Literal"/>, IPv6) or
///   <c>localhost</c> is refused unless allowed, and http is refused unless its destination is allowed;
/// - when a request is sent, <see cref="ConnectAsync"/> (the HTTP handler's connect callback) resolves the host itself
///   and connects only to an allowed address, so a name that resolves to a private address — at the time of the
///   send, which defeats DNS rebinding — is refused before any byte leaves.
/// Allowed: a public address (<see cref="PublicAddresses"/>), or one inside <see cref="OutboundOptions.AllowedNetworks"/>,
/// or any address of a host name listed there.
/// </summary>
public sealed class OutboundPolicy
{
    private readonly IHostResolver _resolver;
    private readonly IPNetwork[] _networks;
    private readonly string[] _hosts;
    private readonly string[] _suffixes;

    public OutboundPolicy(IOptions<OutboundOptions> options, IHostResolver resolver)
    {
        _resolver = resolver;
        var networks = new List<IPNetwork>();
        var hosts = new List<string>();
        var suffixes = new List<string>();
        foreach (var entry in options.Value.AllowedNetworks ?? [])
        {
            var value = entry.Trim();
            if (value.Length == 0 || value.Equals(OutboundOptions.None, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (value.Contains('/', StringComparison.Ordinal))
            {
                networks.Add(TryParseNetwork(value, out var network)
                    ? network
                    : throw new InvalidOperationException($"{OutboundOptions.Section}:AllowedNetworks: '{value}' is not a CIDR network (its host bits must be zero, e.g. 10.20.0.0/16)"));
            }
            else if (IPAddress.TryParse(value, out var single))
            {
                networks.Add(new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (value.StartsWith("*.", StringComparison.Ordinal))
            {
                suffixes.Add(value[1..].ToLowerInvariant());
            }
            else
            {
                hosts.Add(value.TrimEnd('.').ToLowerInvariant());
            }
        }

        (_networks, _hosts, _suffixes) = ([.. networks], [.. hosts], [.. suffixes]);
    }

    /// <summary>The first entry that has a prefix length but is not a CIDR network (host bits set, bad address), or null.</summary>
    public static string? InvalidNetwork(OutboundOptions options) =>
        (options.AllowedNetworks ?? []).Select(e => e.Trim()).FirstOrDefault(e => e.Contains('/', StringComparison.Ordinal) && !TryParseNetwork(e, out _));

    /// <summary>A CIDR network whose host bits are zero: <c>10.20.0.1/16</c> is a typo for a host or a network, so neither is guessed.</summary>
    private static bool TryParseNetwork(string value, out IPNetwork network) =>
        IPNetwork.TryParse(value, out network) && network.BaseAddress.Equals(IPAddress.Parse(value.AsSpan(0, value.IndexOf('/', StringComparison.Ordinal))));

    /// <summary>
    /// The problem with a channel URL a tenant gave, or null when it may be stored: absolute http(s), not an address
    /// (or <c>localhost</c>) the policy refuses, https unless the destination is allowed.
    /// </summary>
    public string? ProblemWith(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "must be an absolute http or https URL";
        }

        var host = HostOf(uri.Host);
        var literal = LiteralAddress(host);
        if (literal is not null && !IsAllowed(literal, host))
        {
            return "names an address that is not public (loopback, private, link-local or reserved), which the operator's outbound policy does not allow";
        }

        if (literal is null && IsLocalhost(host) && !HostAllowed(host))
        {
            return "names the local machine, which the operator's outbound policy does not allow";
        }

        return uri.Scheme == Uri.UriSchemeHttp && !IsListed(host, literal)
            ? "must be an https URL (http only to the networks and hosts the operator allows)"
            : null;
    }

    /// <summary>True when the operator's allow list names this URL's host or its literal address (tests and private receivers).</summary>
    public bool IsOperatorListed(Uri uri) => IsListed(HostOf(uri.Host), LiteralAddress(HostOf(uri.Host)));

    /// <summary>True when the request may go out over this scheme to this host at all (before any address is known).</summary>
    public bool AllowsScheme(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || IsListed(HostOf(uri.Host), LiteralAddress(HostOf(uri.Host)));

    /// <summary>The connect callback: resolves, keeps the allowed addresses, connects to the first that answers.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = HostOf(context.DnsEndPoint.Host);
        if (context.InitialRequestMessage.RequestUri is { } uri && !AllowsScheme(uri))
        {
            throw new OutboundRequestRefusedException($"http to {host} is refused by the outbound policy: only https, or the networks and hosts the operator allows");
        }

        IPAddress[] addresses = LiteralAddress(host) is { } literal ? [literal] : await _resolver.ResolveAsync(host, cancellationToken);
        var allowed = Array.FindAll(addresses, a => IsAllowed(a, host));
        if (allowed.Length == 0)
        {
            throw new OutboundRequestRefusedException($"{host} is refused by the outbound policy: it does not resolve to a public address, nor to one the operator allows");
        }

        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    public bool IsAllowed(IPAddress address, string host) =>
        PublicAddresses.IsPublic(address) || Array.Exists(_networks, n => n.Contains(address)) || HostAllowed(host);

    private bool IsListed(string host, IPAddress? literal) =>
        HostAllowed(host) || (literal is not null && Array.Exists(_networks, n => n.Contains(literal)));

    private bool HostAllowed(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        return Array.IndexOf(_hosts, name) >= 0 || Array.Exists(_suffixes, s => name.EndsWith(s, StringComparison.Ordinal));
    }

    private static bool IsLocalhost(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static string HostOf(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;

    /// <summary>The address a host spells, in any of the spellings a resolver would take, or null for a name.</summary>
    private static IPAddress? LiteralAddress(string host)
    {
        if (host.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(host, out var v6) ? v6 : null;
        }

        return Ipv4Literal.TryParse(host, out var v4) ? v4 : null;
    }
}
