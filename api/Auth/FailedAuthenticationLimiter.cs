using System.Threading.RateLimiting;

namespace SecurityCoach.Api.Auth;

/// <summary>
/// Slows down guessing: per client address and tenant named in the key, a budget of failed authentications
/// (<see cref="Budget"/>, one more every <see cref="RefillEvery"/>). Once a client has spent it on a tenant, its further
/// attempts on that tenant are answered 429 without looking the key up, until the budget refills; its requests for
/// other tenants (a NAT shared with a valid integration) are not held up. Keys naming a tenant that does not exist
/// cost nothing to refuse (<see cref="TenantDirectoryCache"/>) and are not counted. Per silo; idle entries are dropped.
/// </summary>
public sealed class FailedAuthenticationLimiter : IDisposable
{
    public const int Budget = 10;

    public static readonly TimeSpan RefillEvery = TimeSpan.FromSeconds(6);

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Budget,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = RefillEvery,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>True while the client may still try keys of this tenant.</summary>
    public bool MayTry(string? clientAddress, string tenantId)
    {
        using var probe = _limiter.AttemptAcquire(Key(clientAddress, tenantId), 0);
        return probe.IsAcquired;
    }

    /// <summary>Spends one attempt of the budget.</summary>
    public void Failed(string? clientAddress, string tenantId)
    {
        using var _ = _limiter.AttemptAcquire(Key(clientAddress, tenantId), 1);
    }

    private static string Key(string? clientAddress, string tenantId) => string.Concat(clientAddress ?? "-", "|", tenantId);

    public void Dispose() => _limiter.Dispose();
}
