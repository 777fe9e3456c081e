namespace SecurityCoach.Risk;

/// <summary>
/// A user's risk: the sum of the risk weights of the campaigns their events matched, each decaying
/// exponentially with a half-life, so old mistakes fade and a burst of new ones stands out.
/// The score is stored with the time it was last brought up to date; reading it at a later time decays it.
/// </summary>
public static class RiskScore
{
    /// <summary>The score <paramref name="score"/> (valid at <paramref name="fromMs"/>) as it stands at <paramref name="toMs"/>.</summary>
    public static double DecayTo(double score, long fromMs, long toMs, TimeSpan halfLife)
    {
        if (score == 0 || toMs <= fromMs)
        {
            // A clock that moved back (another silo, a restored state) never raises a score.
            return score;
        }

        var halfLives = (toMs - fromMs) / halfLife.TotalMilliseconds;
        return score * Math.Pow(0.5, halfLives);
    }
}

/// <summary>Risk settings (section <c>SecurityCoach:Risk</c>).</summary>
public sealed class RiskOptions
{
    public const string Section = "SecurityCoach:Risk";

    /// <summary>Time after which a matched event counts half. Default 7 days.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);
}
