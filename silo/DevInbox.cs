using System.Collections.Concurrent;
using System.Text.Json;
using SecurityCoach.Api;
using SecurityCoach.Api.Auth;
using SecurityCoach.Api.Http;
using SecurityCoach.Notifications;

namespace SecurityCoach.Silo;

/// <summary>
/// A webhook receiver inside the silo, so a newcomer can watch a coaching arrive without running a server of their
/// own (on by default in the Local profile only; <c>SecurityCoach:DevInbox:Enabled</c> elsewhere). The operator makes
/// an inbox with its secret (<c>PUT /dev/inbox/{name}</c>, admin key); a campaign's webhook channel pointing at
/// <c>…/dev/inbox/{name}</c> with the same secret delivers to it; <c>GET /dev/inbox/{name}</c> (admin key) lists what
/// arrived, newest first. A POST is taken only when it carries a valid signature (<see cref="WebhookSignature"/>)
/// under the inbox's secret, so nobody else can fill it. Bounded: <see cref="MaxInboxes"/> inboxes of
/// <see cref="Capacity"/> deliveries, each body at most <see cref="MaxBodyBytes"/>.
/// </summary>
public static partial class DevInbox
{
    public const string EnabledSetting = "SecurityCoach:DevInbox:Enabled";

    public const int Capacity = 50;

    public const int MaxInboxes = 20;

    public const int MaxBodyBytes = 256 * 1024;

    private static readonly ConcurrentDictionary<string, Inbox> Inboxes = new(StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapDevInbox(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/dev/inbox").WithTags("Local development").ExcludeFromDescription();

        group.MapPut("/{name}", async (string name, HttpContext context) =>
        {
            var (request, problem) = await RequestBody.ReadJsonAsync<InboxRequest>(context.Request, context.RequestAborted);
            if (request is null)
            {
                return (IResult)problem!;
            }

            if (!Identifiers.IsValidCampaignId(name))
            {
                return Problems.Invalid([new FieldError("name", "must be 1–64 characters of a-z, 0-9, '-' and '_'")]);
            }

            if (request.Secret is not { Length: >= WebhookChannel.MinSecretLength } secret)
            {
                return Problems.Invalid([new FieldError("secret", $"must be at least {WebhookChannel.MinSecretLength} characters: the webhook channel's secret")]);
            }

            if (!Inboxes.ContainsKey(name) && Inboxes.Count >= MaxInboxes)
            {
                return Problems.Conflict("too-many-inboxes", $"There are {MaxInboxes} dev inboxes already; restart the silo to clear them.");
            }

            Inboxes[name] = new Inbox(secret);
            return Results.NoContent();
        }).RequireAuthorization(ApiPolicies.Operator);

        group.MapPost("/{name}", async (string name, HttpContext context, TimeProvider time, ILogger<DevInboxLog> logger) =>
        {
            if (!Inboxes.TryGetValue(name, out var inbox))
            {
                return (IResult)Problems.NotFound("inbox-not-found", $"There is no dev inbox '{name}'; make it first: PUT /dev/inbox/{name} {{\"secret\": …}} with the admin key.");
            }

            var (body, problem) = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted);
            if (body is null)
            {
                return problem!;
            }

            using (body)
            {
                var signature = context.Request.Headers[WebhookSignature.Header].ToString();
                var check = WebhookSignature.Verify(signature, body.Memory.Span, inbox.Secret, time.GetUtcNow(), WebhookSignature.DefaultTolerance);
                if (check != WebhookSignatureCheck.Valid)
                {
                    return Problems.Unauthorized($"The {WebhookSignature.Header} header is {check}: the dev inbox takes only deliveries signed with its secret.");
                }

                using var document = JsonDocument.Parse(body.Memory);
                var root = document.RootElement;
                inbox.Add(new
                {
                    receivedAt = time.GetUtcNow(),
                    signature,
                    idempotencyKey = context.Request.Headers[WebhookChannel.IdempotencyHeader].ToString(),
                    body = root.Clone(),
                });
                var user = root.TryGetProperty("userKey", out var u) ? u.GetString() : null;
                var tip = root.TryGetProperty("tip", out var t) && t.TryGetProperty("title", out var title) ? title.GetString() : null;
                LogReceived(logger, name, user, tip);
                return Results.Ok();
            }
        });

        group.MapGet("/{name}", (string name) => Results.Ok(Inboxes.TryGetValue(name, out var inbox) ? inbox.Newest() : []))
            .RequireAuthorization(ApiPolicies.Operator);

        return app;
    }

    /// <summary>The dev inbox is mapped in Local unless turned off, elsewhere only when turned on.</summary>
    public static bool IsDevInboxEnabled(this WebApplication app) =>
        app.Configuration.GetValue<bool?>(EnabledSetting) ?? (app.Configuration[Profiles.Setting] ?? Profiles.Local) == Profiles.Local;

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev inbox '{Inbox}' received a coaching for {UserKey}: {Tip}")]
    private static partial void LogReceived(ILogger logger, string inbox, string? userKey, string? tip);

    /// <summary>Log category of the dev inbox.</summary>
    public sealed class DevInboxLog;

    private sealed record InboxRequest(string? Secret);

    private sealed class Inbox(string secret)
    {
        private readonly ConcurrentQueue<object> _deliveries = new();

        public string Secret => secret;

        public void Add(object delivery)
        {
            _deliveries.Enqueue(delivery);
            while (_deliveries.Count > Capacity && _deliveries.TryDequeue(out _))
            {
            }
        }

        public object[] Newest() => [.. _deliveries.Reverse()];
    }
}
