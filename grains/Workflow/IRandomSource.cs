namespace SecurityCoach.Workflow;

/// <summary>Where retry jitter and <c>States.UUID</c> take their randomness, so tests can fix it.</summary>
public interface IRandomSource
{
    /// <summary>A number in [0, 1).</summary>
    double NextDouble();
}

/// <summary>The process-wide <see cref="Random.Shared"/>.</summary>
public sealed class SharedRandomSource : IRandomSource
{
    public static SharedRandomSource Instance { get; } = new();

    public double NextDouble() => Random.Shared.NextDouble();
}
