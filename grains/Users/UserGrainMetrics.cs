using System.Diagnostics.Metrics;

namespace SecurityCoach.Users;

/// <summary>What the user grains did with the events the stream brought them (meter <see cref="MeterName"/>).</summary>
public static class UserGrainMetrics
{
    /// <summary>Meter of the grains; add it to OpenTelemetry with <c>AddMeter</c>, or watch it with dotnet-counters.</summary>
    public const string MeterName = "SecurityCoach.Grains";

    /// <summary>Events a user grain counted (not seen before) and wrote.</summary>
    public const string ScoredName = "securitycoach.events.scored";

    /// <summary>Events a user grain dropped as already counted (a redelivery, a client's retry).</summary>
    public const string DuplicatesName = "securitycoach.events.duplicates";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Scored = Meter.CreateCounter<long>(ScoredName, "{event}", "Events counted by their user grain.");

    internal static readonly Counter<long> Duplicates = Meter.CreateCounter<long>(DuplicatesName, "{event}", "Events dropped as already counted.");
}
