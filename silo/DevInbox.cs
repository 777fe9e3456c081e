using System.Collections.Concurrent;
using System.Text.Json;
using SecurityCoach.Api;
using SecurityCoach.Api.Auth;

namespace SecurityCoach.Silo;

/// <summary>
/// Local profile only: a webhook receiver inside the silo, so a newcomer can watch a coaching arrive without
/// running a server of their own. A campaign channel pointing at <c>http://localhost:5000/dev/inbox/{name}</c>
/// delivers here; <c>GET /dev/inbox/{name}</c> (admin key) lists what arrived, newest first, with the signature
/// header. It keeps the last <see cref="Capacity"/> deliveries per inbox in memory and answers 200 to every POST.
/// </summary>
public static partial class DevInbox
{
    public const int Capacity = 50;

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<object>> Inboxes = new(StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapDevInbox(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/dev/inbox").WithTags("Local development").ExcludeFromDescription();

        group.MapPost("/{name}", async (string name, HttpContext context, ILogger<DevInboxLog> logger) =>
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var inbox = Inboxes.GetOrAdd(name, _ => new ConcurrentQueue<object>());
            inbox.Enqueue(new
            {
                receivedAt = DateTimeOffset.UtcNow,
                signature = context.Request.Headers["X-SecurityCoach-Signature"].ToString(),
                idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString(),
                body = document.RootElement.Clone(),
            });
            while (inbox.Count > Capacity && inbox.TryDequeue(out _))
            {
            }

            var root = document.RootElement;
            var user = root.TryGetProperty("userKey", out var u) ? u.GetString() : null;
            var tip = root.TryGetProperty("tip", out var t) && t.TryGetProperty("title", out var title) ? title.GetString() : null;
            LogReceived(logger, name, user, tip);
            return Results.Ok();
        });

        group.MapGet("/{name}", async (string name, HttpContext context, CallerResolver callers) =>
        {
            var (caller, problem) = await callers.ResolveAsync(context);
            if (caller is not { IsAdmin: true })
            {
                return (IResult?)problem ?? Problems.Forbidden("The dev inbox is read with the admin key.");
            }

            return Results.Ok(Inboxes.TryGetValue(name, out var inbox) ? inbox.Reverse().ToArray() : []);
        });

        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev inbox '{Inbox}' received a coaching for {UserKey}: {Tip}")]
    private static partial void LogReceived(ILogger logger, string inbox, string? userKey, string? tip);

    /// <summary>Log category of the dev inbox.</summary>
    public sealed class DevInboxLog;
}
