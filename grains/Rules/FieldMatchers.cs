using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SecurityCoach.Rules;

/// <summary>
/// The fields of one pattern object (ANDed) and its <c>$or</c> alternatives (at least one must hold for the same
/// event object).
/// </summary>
internal sealed class ObjectMatcher
{
    private readonly FieldMatcher[] _fields;
    private readonly ObjectMatcher[] _anyOf;

    public ObjectMatcher(FieldMatcher[] fields, ObjectMatcher[] anyOf)
    {
        _fields = fields;
        _anyOf = anyOf;
        MatchesAbsent = fields.All(f => f.MatchesAbsent) && (anyOf.Length == 0 || anyOf.Any(a => a.MatchesAbsent));
    }

    /// <summary>
    /// Whether the pattern holds where the event has no object at all (the parent field is missing or not an
    /// object), which is the case only when every field accepts absence, e.g. <c>exists: false</c>.
    /// </summary>
    public bool MatchesAbsent { get; }

    /// <param name="obj">An event object.</param>
    public bool Matches(JsonElement obj)
    {
        foreach (var field in _fields)
        {
            if (obj.TryGetProperty(field.Name, out var value) ? !field.Matches(value) : !field.MatchesAbsent)
            {
                return false;
            }
        }

        if (_anyOf.Length == 0)
        {
            return true;
        }

        foreach (var alternative in _anyOf)
        {
            if (alternative.Matches(obj))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One field of a pattern object: its name, and what its event value must look like.</summary>
internal abstract class FieldMatcher(byte[] name, bool matchesAbsent)
{
    /// <summary>The field name in UTF-8, as <see cref="JsonElement.TryGetProperty(ReadOnlySpan{byte}, out JsonElement)"/> takes it.</summary>
    public ReadOnlySpan<byte> Name => name;

    /// <summary>Whether a missing field, or one without a leaf value (an object for a leaf, an empty array), matches.</summary>
    public bool MatchesAbsent { get; } = matchesAbsent;

    /// <summary>
    /// Matches the event value of the field. An array matches when any element does (arrays nested in arrays
    /// are flattened); an empty array has no value, so it counts as absent.
    /// </summary>
    public bool Matches(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return MatchesSingle(value);
        }

        if (value.GetArrayLength() == 0)
        {
            return MatchesAbsent;
        }

        foreach (var item in value.EnumerateArray())
        {
            if (Matches(item))
            {
                return true;
            }
        }

        return false;
    }

    protected abstract bool MatchesSingle(JsonElement value);
}

/// <summary>A field whose pattern is an object: the event value must be an object that matches it.</summary>
internal sealed class NestedFieldMatcher(byte[] name, ObjectMatcher child) : FieldMatcher(name, child.MatchesAbsent)
{
    protected override bool MatchesSingle(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object ? child.Matches(value) : child.MatchesAbsent;
}

/// <summary>A field whose pattern is an array of matchers (ORed) applied to a leaf value.</summary>
internal sealed class LeafFieldMatcher(byte[] name, ValueMatcher[] matchers)
    : FieldMatcher(name, matchers.Any(m => m.MatchesAbsent))
{
    // Escaped strings up to this many bytes are unescaped on the stack; longer ones borrow a pooled buffer.
    private const int StackBytes = 256;

    protected override bool MatchesSingle(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                // The raw token still has its quotes and any escapes; nearly all values have no escapes, so the
                // raw bytes are the value and nothing needs copying.
                var raw = JsonMarshal.GetRawUtf8Value(value);
                var content = raw[1..^1];
                return content.IndexOf((byte)'\\') < 0 ? MatchesString(content) : MatchesEscapedString(raw);
            case JsonValueKind.Number:
                return value.TryGetDouble(out var number) && MatchesNumber(number, value);
            case JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                return MatchesLiteral(value.ValueKind);
            default:
                // An object is not a leaf: only "exists: false" (or anything else accepting absence) holds.
                return MatchesAbsent;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MatchesEscapedString(ReadOnlySpan<byte> rawToken)
    {
        byte[]? rented = null;
        // Unescaping never lengthens a string, so the raw length bounds the buffer.
        var buffer = rawToken.Length <= StackBytes
            ? stackalloc byte[StackBytes]
            : (rented = ArrayPool<byte>.Shared.Rent(rawToken.Length));
        try
        {
            var reader = new Utf8JsonReader(rawToken);
            reader.Read();
            return MatchesString(buffer[..reader.CopyString(buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private bool MatchesString(ReadOnlySpan<byte> utf8)
    {
        foreach (var matcher in matchers)
        {
            if (matcher.MatchesString(utf8))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesNumber(double number, JsonElement value)
    {
        foreach (var matcher in matchers)
        {
            if (matcher.MatchesNumber(number, value))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesLiteral(JsonValueKind kind)
    {
        foreach (var matcher in matchers)
        {
            if (matcher.MatchesLiteral(kind))
            {
                return true;
            }
        }

        return false;
    }
}
