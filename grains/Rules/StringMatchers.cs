using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace SecurityCoach.Rules;

/// <summary>All exact string values of a field's matcher array, checked in one lookup.</summary>
internal sealed class StringSetMatcher(Utf8StringSet values) : ValueMatcher
{
    public override bool MatchesString(ReadOnlySpan<byte> utf8) => values.Contains(utf8);
}

/// <summary><c>{"prefix": "..."}</c>, byte-wise: a UTF-8 prefix of a UTF-8 string is a character prefix.</summary>
internal sealed class PrefixMatcher(byte[] prefix) : ValueMatcher
{
    public override bool MatchesString(ReadOnlySpan<byte> utf8) => utf8.StartsWith(prefix);
}

/// <summary><c>{"suffix": "..."}</c>, byte-wise: UTF-8 is self-synchronising, so a byte suffix is a character suffix.</summary>
internal sealed class SuffixMatcher(byte[] suffix) : ValueMatcher
{
    public override bool MatchesString(ReadOnlySpan<byte> utf8) => utf8.EndsWith(suffix);
}

internal enum IgnoreCaseMode
{
    Equals,
    Prefix,
    Suffix,
}

/// <summary>
/// <c>equals-ignore-case</c> and the ignore-case forms of <c>prefix</c> and <c>suffix</c>, over one or more values
/// (anything-but takes a list). Case is compared as <see cref="StringComparison.OrdinalIgnoreCase"/> does.
/// </summary>
internal sealed class IgnoreCaseMatcher : ValueMatcher
{
    // Values up to this many bytes are decoded on the stack; longer ones borrow a pooled buffer.
    private const int StackChars = 256;

    private readonly IgnoreCaseMode _mode;
    private readonly string[] _values;
    private readonly byte[][] _asciiValues;

    public IgnoreCaseMatcher(IgnoreCaseMode mode, IReadOnlyList<string> values)
    {
        _mode = mode;
        _values = [.. values];
        // OrdinalIgnoreCase never equates an ASCII character with a non-ASCII one, so an ASCII event value can
        // only match the ASCII pattern values, and those compare byte-wise without decoding.
        _asciiValues = [.. values.Where(v => Ascii.IsValid(v)).Select(Encoding.UTF8.GetBytes)];
    }

    public override bool MatchesString(ReadOnlySpan<byte> utf8) =>
        Ascii.IsValid(utf8) ? MatchesAscii(utf8) : MatchesDecoded(utf8);

    private bool MatchesAscii(ReadOnlySpan<byte> utf8)
    {
        foreach (var value in _asciiValues)
        {
            var matched = _mode switch
            {
                IgnoreCaseMode.Equals => Ascii.EqualsIgnoreCase(utf8, value),
                IgnoreCaseMode.Prefix => utf8.Length >= value.Length && Ascii.EqualsIgnoreCase(utf8[..value.Length], value),
                _ => utf8.Length >= value.Length && Ascii.EqualsIgnoreCase(utf8[^value.Length..], value),
            };
            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MatchesDecoded(ReadOnlySpan<byte> utf8)
    {
        char[]? rented = null;
        var buffer = utf8.Length <= StackChars
            ? stackalloc char[StackChars]
            : (rented = ArrayPool<char>.Shared.Rent(utf8.Length));
        try
        {
            // The JSON reader has already validated the UTF-8, so decoding cannot fail.
            ReadOnlySpan<char> text = buffer[..Encoding.UTF8.GetChars(utf8, buffer)];
            foreach (var value in _values)
            {
                var matched = _mode switch
                {
                    IgnoreCaseMode.Equals => text.Equals(value, StringComparison.OrdinalIgnoreCase),
                    IgnoreCaseMode.Prefix => text.StartsWith(value, StringComparison.OrdinalIgnoreCase),
                    _ => text.EndsWith(value, StringComparison.OrdinalIgnoreCase),
                };
                if (matched)
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}

/// <summary><c>{"wildcard": "..."}</c>, or a list of them under anything-but.</summary>
internal sealed class WildcardMatcher(WildcardPattern[] patterns) : ValueMatcher
{
    public override bool MatchesString(ReadOnlySpan<byte> utf8)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(utf8))
            {
                return true;
            }
        }

        return false;
    }
}
