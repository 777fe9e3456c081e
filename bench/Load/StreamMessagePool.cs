using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SecurityCoach.Api.Http;
using SecurityCoach.Api.Vendors;
using SecurityCoach.Providers.Aws.Streaming;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>One SQS message body of the event stream and the number of events it carries.</summary>
public sealed record StreamMessage(string Body, int Events);

/// <summary>
/// SQS message bodies as the AwsLocal profile's stream provider sends them: ingest requests from the
/// <see cref="EventFactory"/> (same vendors, batch size, tenants and Zipf users as the HTTP scenarios), normalized by
/// the API's own normalizers, grouped by user as the ingest endpoint groups them (one <see cref="SecurityEventBatch"/>
/// per user of a request) and encoded by the provider's own codec — so a message here has the size and event count
/// of one the product sends.
/// </summary>
public sealed class StreamMessagePool
{
    private readonly StreamMessage[] _messages;
    private readonly Dictionary<string, int> _eventsByBody;

    private StreamMessagePool(StreamMessage[] messages)
    {
        _messages = messages;
        _eventsByBody = new Dictionary<string, int>(messages.Length, StringComparer.Ordinal);
        foreach (var message in messages)
        {
            _eventsByBody[message.Body] = message.Events;
        }
    }

    public int Count => _messages.Length;

    public StreamMessage this[long index] => _messages[index % _messages.Length];

    public double MeanEvents => _messages.Average(m => m.Events);

    public double MeanBodyBytes => _messages.Average(m => m.Body.Length);

    /// <summary>The events of a body this pool made; 0 for any other.</summary>
    public int EventsOf(string body) => _eventsByBody.GetValueOrDefault(body);

    /// <summary>The messages of <paramref name="requests"/> generated ingest requests.</summary>
    public static async Task<StreamMessagePool> BuildAsync(LoadOptions options, int requests, CancellationToken cancellationToken)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var codecOptions = new SqsStreamOptions();
        var codec = new SqsMessageCodec("bench", codecOptions, services.GetRequiredService<Serializer>(), null);

        var run = Guid.NewGuid().ToString("N")[..8];
        var tenantIds = Enumerable.Range(0, options.Tenants).Select(i => $"bench-{run}-{i}").ToArray();
        var factory = new EventFactory(options, tenantIds);
        var random = new Random(options.Seed);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var messages = new List<StreamMessage>(requests * 2);
        for (var r = 0; r < requests; r++)
        {
            var request = factory.Next(random, (long)r * factory.BatchSize, factory.BatchSize);
            var tenantId = tenantIds[request.Tenant];
            if (!EventNormalizers.TryGet(request.Vendor, out var normalizer))
            {
                throw new InvalidOperationException($"no normalizer for {request.Vendor}");
            }

            using var body = IngestBody.Parse(request.Body, IngestBody.Json, normalizer, out var error)
                ?? throw new InvalidOperationException($"a generated {request.Vendor} request does not parse: {error}");
            var byUser = new Dictionary<string, List<SecurityEvent>>(StringComparer.Ordinal);
            foreach (var outcome in body.Normalize(normalizer, new NormalizationContext(tenantId, now)))
            {
                var normalized = outcome.Event ?? throw new InvalidOperationException($"a generated {request.Vendor} event is rejected: {outcome.Error}");
                if (!byUser.TryGetValue(normalized.UserKey, out var events))
                {
                    byUser[normalized.UserKey] = events = [];
                }

                events.Add(normalized);
            }

            foreach (var (userKey, events) in byUser)
            {
                var encoded = await codec.EncodeAsync(
                    SecurityEventStreams.ForUser(tenantId, userKey), [new SecurityEventBatch([.. events])], null, codecOptions.MaxMessageBytes, cancellationToken);
                var single = encoded is [{ Offloaded: null } one] ? one : throw new InvalidOperationException("a user batch does not fit one message");
                messages.Add(new StreamMessage(single.Body, events.Count));
            }
        }

        return new StreamMessagePool([.. messages]);
    }
}
