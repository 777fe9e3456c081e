using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SecurityCoach.Api.Http;

/// <summary>The answer of the per-tenant ingest limit.</summary>
public readonly record struct RateDecision(bool Allowed, TimeSpan RetryAfter, bool LargerThanBurst);

/// <summary>
/// The per-tenant token bucket of <see cref="IngestRateLimitOptions"/>, one per tenant in this silo (so a cluster of
/// n silos admits up to n times the rate; a per-cluster limit would cost a grain call per request). It is asked
/// after authentication, so a forged key cannot spend another tenant's tokens, and before publishing, so a refused
/// request publishes nothing.
/// </summary>
public sealed class TenantRateLimiter : IDisposable
{
    private readonly IngestRateLimitOptions _options;
    private readonly PartitionedRateLimiter<string>? _limiter;

    public TenantRateLimiter(IOptions<ApiOptions> options)
    {
        _options = options.Value.Ingest.RateLimit;
        if (_options.EventsPerSecond <= 0)
        {
            return;
        }

        // Refill ten times a second, so a tenant just under its rate is never made to wait a whole second.
        var perTick = Math.Max(1, _options.EventsPerSecond / 10);
        _limiter = PartitionedRateLimiter.Create<string, string>(tenantId => RateLimitPartition.GetTokenBucketLimiter(
            tenantId,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = _options.Burst,
                TokensPerPeriod = perTick,
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public RateDecision TryAdmit(string tenantId, int events)
    {
        if (_limiter is null || events == 0)
        {
            return new RateDecision(true, TimeSpan.Zero, false);
        }

        if (events > _options.Burst)
        {
            return new RateDecision(false, TimeSpan.Zero, true);
        }

        using var lease = _limiter.AttemptAcquire(tenantId, events);
        if (lease.IsAcquired)
        {
            return new RateDecision(true, TimeSpan.Zero, false);
        }

        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? retryAfter
            : TimeSpan.FromSeconds((double)events / _options.EventsPerSecond);
        return new RateDecision(false, wait, false);
    }

    public void Dispose() => _limiter?.Dispose();
}
