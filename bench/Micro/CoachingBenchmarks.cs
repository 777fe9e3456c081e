using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Coaching;
using SecurityCoach.Notifications;
using SecurityCoach.Risk;

namespace SecurityCoach.Benchmarks.Micro;

/// <summary>
/// What happens per matched event after the pattern: the risk update, rendering the tip, and building the webhook
/// request (serialize the body, sign it).
/// </summary>
[MemoryDiagnoser]
[GcServer(false)]
public class CoachingBenchmarks
{
    private const string Secret = "bench-webhook-secret-0123456789";

    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(7);

    private readonly CoachingTip _templated = new(
        "Careful, {{actor.user.name}}",
        "You opened {{url.url_string}} ({{url.categories}}) on {{device.hostname}}. Check the address before you sign in.");

    private readonly CoachingTip _plain = new(
        "That page was a phishing site",
        "Check the address before you sign in; report the message that sent you there.");

    private byte[] _eventJson = [];
    private CoachingMessage _message = null!;
    private ArraySegment<byte> _body;
    private double _score = 42;
    private long _at = 1767225600000;

    [GlobalSetup]
    public void Setup()
    {
        EventNormalizers.TryGet("zscaler", out var normalizer);
        using var raw = JsonDocument.Parse(Encoding.UTF8.GetBytes(SampleEvents.Zscaler));
        if (normalizer is null || !normalizer.TryNormalize(raw.RootElement, new NormalizationContext("acme", _at), out var normalized, out _))
        {
            throw new InvalidOperationException("the zscaler sample does not normalize");
        }

        _eventJson = normalized.Json;
        var tip = TipRenderer.Render(_templated, _eventJson);
        _message = new CoachingMessage("c0ffee0123456789abcdef0123456789", "acme", normalized.UserKey, "phishing-click", normalized.EventId, tip, _eventJson);
        _body = WebhookChannel.Serialize(_message);
    }

    /// <summary>UserGrain.AddRisk: decay the stored score to now, add the campaign's weight.</summary>
    [Benchmark]
    public double RiskUpdate()
    {
        _at += 60_000;
        _score = RiskScore.DecayTo(_score, _at - 60_000, _at, HalfLife) + 25;
        return _score;
    }

    [Benchmark]
    public CoachingTip RenderTemplatedTip() => TipRenderer.Render(_templated, _eventJson);

    [Benchmark]
    public CoachingTip RenderPlainTip() => TipRenderer.Render(_plain, _eventJson);

    [Benchmark]
    public ArraySegment<byte> SerializeWebhookBody() => WebhookChannel.Serialize(_message);

    [Benchmark]
    public string SignWebhookBody() => WebhookSignature.Sign(_body, Secret, DateTimeOffset.UnixEpoch);

    /// <summary>All the CPU work of one delivery before the HTTP call.</summary>
    [Benchmark]
    public string RenderSerializeSign()
    {
        var tip = TipRenderer.Render(_templated, _eventJson);
        var body = WebhookChannel.Serialize(_message with { Tip = tip });
        return WebhookSignature.Sign(body, Secret, DateTimeOffset.UnixEpoch);
    }
}
