using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Notifications;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a free loopback port, in the test process. It keeps every
/// message it accepts, parsed with MimeKit, and answers the DATA of the next messages with scripted reply codes.
/// </summary>
public sealed class SmtpTestServer : IMessageStore, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<int> _script = new();
    private readonly Task _running;

    private SmtpTestServer()
    {
        Port = FreePort.Next();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(this);
        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _running = server.StartAsync(_stop.Token);
    }

    private int _sessions;

    public int Port { get; }

    /// <summary>SMTP sessions (connections) clients opened so far.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    public static SmtpTestServer Start() => new();

    public ConcurrentQueue<MimeMessage> Received { get; } = new();

    /// <summary>The next messages get these SMTP reply codes instead of 250.</summary>
    public void Script(params int[] replyCodes)
    {
        foreach (var code in replyCodes)
        {
            _script.Enqueue(code);
        }
    }

    public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        if (_script.TryDequeue(out var code))
        {
            return new SmtpResponse((SmtpReplyCode)code, "scripted by the test");
        }

        using var stream = new MemoryStream(buffer.ToArray());
        Received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
        return SmtpResponse.Ok;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
            // The server ends its listen loop by cancellation.
        }

        _stop.Dispose();
    }
}
