using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SecurityCoach.Benchmarks.Load;
using SecurityCoach.Notifications;
using SecurityCoach.Notifications.Outbound;
using SecurityCoach.Tests.Infrastructure;
using SecurityCoach.Tests.Notifications;

namespace SecurityCoach.Tests.Security;

/// <summary>
/// The outbound policy when a delivery is sent: the connect callback resolves the name itself and connects only to
/// allowed addresses (a name that points at loopback gets no connection, whatever the URL looked like when it was
/// stored), and redirects are never followed. Connections are counted on real loopback listeners.
/// </summary>
public sealed class OutboundDeliveryTests
{
    private const string Secret = "secret-0123456789";

    /// <summary>Names of the test's own choosing, and how often anything was resolved.</summary>
    private sealed class FixedResolver(Dictionary<string, IPAddress[]> names) : IHostResolver
    {
        public int Calls;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(names.TryGetValue(host, out var addresses) ? addresses : []);
        }
    }

    /// <summary>A TCP listener that counts the connections it accepts (the TLS handshake then fails; only the connection matters).</summary>
    private sealed class CountingListener : IDisposable
    {
        private readonly TcpListener _listener;
        private int _accepted;

        public CountingListener(IPAddress address, int port = 0)
        {
            _listener = new TcpListener(address, port);
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (ObjectDisposedException)
            {
            }
            catch (SocketException)
            {
            }
        }

        public void Dispose() => _listener.Stop();
    }

    private static Task<int> AcceptedAsync(CountingListener listener, int expected) =>
        Eventually.Until(() => Task.FromResult(listener.Accepted), n => n == expected, $"{expected} connection(s) accepted");

    private static async Task<ChannelResult> SendAsync(string url, FixedResolver resolver, params string[] allowed)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < allowed.Length; i++)
        {
            settings[$"SecurityCoach:Outbound:AllowedNetworks:{i}"] = allowed[i];
        }

        await using var services = ChannelTestKit.Services(settings, resolver);
        var webhook = new WebhookChannel(services.GetRequiredService<HttpDelivery>(), TimeProvider.System);
        return await webhook.SendAsync(new ChannelDefinition("webhook", url, Secret), ChannelTestKit.Message(), default);
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_gets_no_connection_and_fails_as_forbidden()
    {
        using var listener = new CountingListener(IPAddress.Loopback);
        var resolver = new FixedResolver(new() { ["hooks.rebind.test"] = [IPAddress.Loopback] });

        var result = await SendAsync($"https://hooks.rebind.test:{listener.Port}/hook", resolver, OutboundOptions.None);

        Assert.False(result.Delivered);
        Assert.Equal(ChannelErrors.Forbidden, result.ErrorName);
        Assert.Contains("outbound policy", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, resolver.Calls);
        Assert.Equal(0, listener.Accepted);
    }

    [Fact]
    public async Task The_same_name_gets_its_connection_once_the_operator_allows_loopback()
    {
        using var listener = new CountingListener(IPAddress.Loopback);
        var resolver = new FixedResolver(new() { ["hooks.rebind.test"] = [IPAddress.Loopback] });

        var result = await SendAsync($"https://hooks.rebind.test:{listener.Port}/hook", resolver, "127.0.0.0/8");

        // The listener speaks no TLS, so the delivery fails, but only after the connection was made.
        Assert.False(result.Delivered);
        Assert.Equal(ChannelErrors.Transient, result.ErrorName);
        await AcceptedAsync(listener, 1);
    }

    [Fact]
    public async Task Of_the_addresses_a_name_resolves_to_only_the_allowed_ones_are_tried()
    {
        // One port on two loopback addresses; the refused address comes first, so without the filter it would be the one connected.
        using var allowedListener = new CountingListener(IPAddress.Parse("127.0.0.2"));
        using var refusedListener = new CountingListener(IPAddress.Loopback, allowedListener.Port);
        var resolver = new FixedResolver(new() { ["hooks.multi.test"] = [IPAddress.Loopback, IPAddress.Parse("127.0.0.2")] });

        var result = await SendAsync($"https://hooks.multi.test:{allowedListener.Port}/hook", resolver, "127.0.0.2/32");

        Assert.Equal(ChannelErrors.Transient, result.ErrorName);
        await AcceptedAsync(allowedListener, 1);
        Assert.Equal(0, refusedListener.Accepted);
    }

    [Fact]
    public async Task A_stored_address_url_the_policy_now_refuses_is_not_connected_to()
    {
        using var listener = new CountingListener(IPAddress.Loopback);
        var resolver = new FixedResolver([]);

        var result = await SendAsync($"https://127.0.0.1:{listener.Port}/hook", resolver, OutboundOptions.None);

        Assert.Equal(ChannelErrors.Forbidden, result.ErrorName);
        Assert.Equal(0, resolver.Calls);
        Assert.Equal(0, listener.Accepted);
    }

    [Fact]
    public async Task Plain_http_to_a_name_the_operator_did_not_list_is_refused_before_it_is_resolved()
    {
        var resolver = new FixedResolver(new() { ["hooks.example.com"] = [IPAddress.Parse("93.184.216.34")] });

        var result = await SendAsync("http://hooks.example.com/hook", resolver, "127.0.0.0/8");

        Assert.Equal(ChannelErrors.Forbidden, result.ErrorName);
        Assert.Equal(0, resolver.Calls);
    }

    [Theory]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_not_followed_even_to_an_allowed_address(int status)
    {
        var landed = 0;
        var (target, targetUrl) = await LoopbackServer.StartAsync(app => app.Map("/landing", () =>
        {
            Interlocked.Increment(ref landed);
            return Results.Ok();
        }));
        await using var _ = target;
        var (redirector, redirectorUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/hook", (HttpContext context) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = targetUrl + "/landing";
        }));
        await using var __ = redirector;

        var result = await SendAsync(redirectorUrl + "/hook", new FixedResolver([]), "127.0.0.0/8");

        Assert.Equal(ChannelErrors.Rejected, result.ErrorName);
        Assert.Contains("redirects are not followed", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref landed));
    }

    [Fact]
    public async Task A_redirect_to_the_metadata_address_is_not_followed()
    {
        var (redirector, redirectorUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/hook", (HttpContext context) =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "http://169.254.169.254/latest/meta-data/iam/security-credentials/";
        }));
        await using var _ = redirector;
        var resolver = new FixedResolver([]);

        var result = await SendAsync(redirectorUrl + "/hook", resolver, "127.0.0.0/8");

        Assert.Equal(ChannelErrors.Rejected, result.ErrorName);
        Assert.Contains("302", result.Error, StringComparison.Ordinal);
    }
}
