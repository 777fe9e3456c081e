using System.Collections.Concurrent;
using MailKit.Net.Smtp;

namespace SecurityCoach.Notifications;

/// <summary>
/// Connected, authenticated SMTP clients kept between deliveries: a connection per e-mail paid a TCP, TLS and AUTH
/// handshake each time and let a burst open as many connections as it had e-mails.
/// Invariants: at most <see cref="EmailOptions.MaxConnections"/> clients are in use or idle at once, one tenant's
/// deliveries hold at most <see cref="EmailOptions.MaxConnectionsPerTenant"/> of them (a tenant whose mails are slow
/// cannot take the relay from the others); a client is used by one delivery at a time; an idle client is checked
/// with NOOP before it is used again and dropped after <see cref="EmailOptions.IdleConnectionTimeout"/>; a client
/// that failed is never returned.
/// </summary>
internal sealed class SmtpConnectionPool(EmailOptions options, TimeProvider time) : IDisposable
{
    private readonly ConcurrentStack<(SmtpClient Client, long IdleSince)> _idle = new();
    private readonly TenantShareLimiter _turns = new(options.MaxConnections, options.MaxConnectionsPerTenant, time);

    /// <summary>A turn for one of the tenant's deliveries, or false when none came free within <paramref name="timeout"/>.</summary>
    public async Task<bool> EnterAsync(string tenantId, TimeSpan timeout, CancellationToken cancellationToken) =>
        await _turns.EnterAsync(tenantId, timeout, cancellationToken) == TenantShareLimiter.Turn.Entered;

    public void Exit(string tenantId) => _turns.Exit(tenantId);

    /// <summary>An idle client that still answers, or a new one connected (and authenticated) by <paramref name="connect"/>.</summary>
    public async Task<SmtpClient> TakeAsync(Func<SmtpClient, Task> connect, int timeoutMs, CancellationToken cancellationToken)
    {
        while (_idle.TryPop(out var idle))
        {
            if (time.GetElapsedTime(idle.IdleSince) < options.IdleConnectionTimeout && idle.Client.IsConnected)
            {
                try
                {
                    await idle.Client.NoOpAsync(cancellationToken);
                    return idle.Client;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The server closed it meanwhile: a new connection serves instead.
                }
            }

            Drop(idle.Client);
        }

        var client = new SmtpClient { Timeout = timeoutMs };
        try
        {
            await connect(client);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Keeps a client that just delivered for the next delivery.</summary>
    public void Return(SmtpClient client) => _idle.Push((client, time.GetTimestamp()));

    /// <summary>Closes a client that failed or aged out, without waiting on a server that may not answer.</summary>
    public static void Drop(SmtpClient client) => client.Dispose();

    public void Dispose()
    {
        while (_idle.TryPop(out var idle))
        {
            Drop(idle.Client);
        }

        _turns.Dispose();
    }
}
