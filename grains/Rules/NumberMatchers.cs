using System.Text.Json;

namespace SecurityCoach.Rules;

/// <summary>A number from the pattern: its double, and its exact decimal when it has one.</summary>
internal readonly record struct PatternNumber(double Value, decimal? Exact);

/// <summary>
/// Exact numbers (<c>300</c>, <c>["=", 300]</c>, an anything-but list of numbers), compared numerically so that
/// <c>300</c>, <c>300.0</c> and <c>3e2</c> are the same value. Only JSON numbers match, never the string "300".
/// </summary>
internal sealed class NumberEqualsMatcher(PatternNumber[] values) : ValueMatcher
{
    // Below 2^53 every integer has its own double; above it distinct integers (ids, account numbers) can round
    // to the same double, so equal doubles are confirmed with decimals, which are exact to 28 digits.
    private const double ExactIntegerLimit = 9_007_199_254_740_992d;

    public override bool MatchesNumber(double value, JsonElement element)
    {
        foreach (var candidate in values)
        {
            if (candidate.Value == value
                && (Math.Abs(value) < ExactIntegerLimit
                    || candidate.Exact is not { } exact
                    || !element.TryGetDecimal(out var precise)
                    || precise == exact))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary><c>{"numeric": [">", 0, "&lt;=", 5]}</c>; a missing bound is an infinity.</summary>
internal sealed class NumericRangeMatcher(double lower, bool lowerInclusive, double upper, bool upperInclusive) : ValueMatcher
{
    public override bool MatchesNumber(double value, JsonElement element) =>
        (lowerInclusive ? value >= lower : value > lower)
        && (upperInclusive ? value <= upper : value < upper);
}
