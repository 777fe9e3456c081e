using SecurityCoach.Providers.Aws.Hosting;
using SecurityCoach.Users;

namespace SecurityCoach.Silo;

/// <summary>Hosting of the user grains' event stream on SQS.</summary>
public static class UserStreamExtensions
{
    /// <summary>
    /// User grains write a batch that starts no coaching behind the stream, and the provider deletes its message once
    /// they have confirmed the write (<see cref="UserGrainAcknowledgementGate"/>): one state write for many batches,
    /// with nothing accepted lost. Both halves together, or neither.
    /// </summary>
    public static SiloSqsStreamConfigurator WriteUsersBehind(this SiloSqsStreamConfigurator streams)
    {
        streams.AcknowledgeThrough<UserGrainAcknowledgementGate>();
        streams.ConfigureDelegate(services => services.Configure<UserStateOptions>(o => o.WriteBehind = true));
        return streams;
    }
}
