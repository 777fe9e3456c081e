using System.Text.Json;

namespace SecurityCoach.Rules;

/// <summary>
/// One entry of a field's matcher array, compiled. A leaf field calls the overload for the JSON type of the event
/// value, so every matcher sees a value that has already been decoded once and never looks at other types.
/// </summary>
internal abstract class ValueMatcher
{
    /// <summary>Whether the matcher accepts a field that is missing, or holds no leaf value (an object, an empty array).</summary>
    public virtual bool MatchesAbsent => false;

    /// <param name="utf8">The string value, unescaped.</param>
    public virtual bool MatchesString(ReadOnlySpan<byte> utf8) => false;

    /// <param name="value">The number as a double.</param>
    /// <param name="element">The number itself, for matchers that need more precision than a double has.</param>
    public virtual bool MatchesNumber(double value, JsonElement element) => false;

    /// <param name="kind"><see cref="JsonValueKind.True"/>, <see cref="JsonValueKind.False"/> or <see cref="JsonValueKind.Null"/>.</param>
    public virtual bool MatchesLiteral(JsonValueKind kind) => false;
}

/// <summary><c>true</c>, <c>false</c> or <c>null</c> in the pattern: matches the same JSON literal, nothing else.</summary>
internal sealed class LiteralMatcher(JsonValueKind expected) : ValueMatcher
{
    public override bool MatchesLiteral(JsonValueKind kind) => kind == expected;
}

/// <summary><c>{"exists": true|false}</c>: presence of a leaf value, whatever its type (null counts as present).</summary>
internal sealed class ExistsMatcher : ValueMatcher
{
    public static readonly ExistsMatcher Present = new(true);
    public static readonly ExistsMatcher Absent = new(false);

    private readonly bool _present;

    private ExistsMatcher(bool present) => _present = present;

    public override bool MatchesAbsent => !_present;

    public override bool MatchesString(ReadOnlySpan<byte> utf8) => _present;

    public override bool MatchesNumber(double value, JsonElement element) => _present;

    public override bool MatchesLiteral(JsonValueKind kind) => _present;
}

/// <summary>
/// <c>anything-but</c>: every leaf value the excluded matcher rejects, whatever its type, so a string exclusion
/// lets numbers, booleans and null through (as EventBridge does). A missing field never matches.
/// </summary>
internal sealed class AnythingButMatcher(ValueMatcher excluded) : ValueMatcher
{
    public override bool MatchesString(ReadOnlySpan<byte> utf8) => !excluded.MatchesString(utf8);

    public override bool MatchesNumber(double value, JsonElement element) => !excluded.MatchesNumber(value, element);

    public override bool MatchesLiteral(JsonValueKind kind) => !excluded.MatchesLiteral(kind);
}
