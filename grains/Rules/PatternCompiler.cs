using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SecurityCoach.Rules;

/// <summary>
/// Validates an event pattern and builds its matcher tree. Every rejection names the JSON path of the offending
/// part so that an API client can point at it.
/// </summary>
internal sealed class PatternCompiler
{
    /// <summary>Deepest nesting of pattern objects, the root and <c>$or</c> entries included.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most values in one pattern: each exact value, operator and anything-but list entry counts.</summary>
    public const int MaxValues = 1_000;

    /// <summary>Longest string in a pattern, in UTF-8 bytes.</summary>
    public const int MaxStringBytes = 4_096;

    private const string OrKey = "$or";
    private const string Prefix = "prefix";
    private const string Suffix = "suffix";
    private const string EqualsIgnoreCase = "equals-ignore-case";
    private const string Wildcard = "wildcard";
    private const string AnythingBut = "anything-but";
    private const string Numeric = "numeric";
    private const string Exists = "exists";
    private const string Cidr = "cidr";

    private static readonly HashSet<string> Operators =
        [Prefix, Suffix, EqualsIgnoreCase, Wildcard, AnythingBut, Numeric, Exists, Cidr];

    private int _values;

    private PatternCompiler()
    {
    }

    public static ObjectMatcher Compile(JsonElement pattern)
    {
        if (pattern.ValueKind != JsonValueKind.Object)
        {
            throw new PatternException("$", $"pattern must be a JSON object, not {Describe(pattern.ValueKind)}");
        }

        return new PatternCompiler().CompileObject(pattern, "$", depth: 1, insideOr: false);
    }

    private ObjectMatcher CompileObject(JsonElement obj, string path, int depth, bool insideOr)
    {
        if (depth > MaxDepth)
        {
            throw new PatternException(path, $"pattern is nested deeper than {MaxDepth} levels");
        }

        var fields = new List<FieldMatcher>();
        ObjectMatcher[] anyOf = [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var fieldPath = Member(path, property.Name);
            if (!names.Add(property.Name))
            {
                // EventBridge silently keeps the last one, which hides the mistake.
                throw new PatternException(fieldPath, $"field '{property.Name}' appears more than once");
            }

            if (property.Name == OrKey)
            {
                anyOf = CompileOr(property.Value, fieldPath, depth);
            }
            else if (insideOr && Operators.Contains(property.Name))
            {
                // As EventBridge: almost always an operator put one level too high inside an $or entry.
                throw new PatternException(fieldPath, $"'{property.Name}' is an operator and cannot be a field name inside $or");
            }
            else
            {
                fields.Add(CompileField(property, fieldPath, depth, insideOr));
            }
        }

        if (names.Count == 0)
        {
            throw new PatternException(path, path == "$" ? "pattern must have at least one field" : "object must have at least one field");
        }

        return new ObjectMatcher([.. fields], anyOf);
    }

    private ObjectMatcher[] CompileOr(JsonElement value, string path, int depth)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 2)
        {
            throw new PatternException(path, "$or must be an array of at least two patterns");
        }

        var alternatives = new List<ObjectMatcher>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = Index(path, index++);
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new PatternException(itemPath, $"$or entries must be objects, not {Describe(item.ValueKind)}");
            }

            alternatives.Add(CompileObject(item, itemPath, depth + 1, insideOr: true));
        }

        return [.. alternatives];
    }

    private FieldMatcher CompileField(JsonProperty property, string path, int depth, bool insideOr)
    {
        var name = Encoding.UTF8.GetBytes(property.Name);
        return property.Value.ValueKind switch
        {
            JsonValueKind.Object => new NestedFieldMatcher(name, CompileObject(property.Value, path, depth + 1, insideOr)),
            JsonValueKind.Array => new LeafFieldMatcher(name, CompileMatchers(property.Value, path)),
            var kind => throw new PatternException(path, $"must be an array of values or a nested object, not {Describe(kind)}"),
        };
    }

    private ValueMatcher[] CompileMatchers(JsonElement array, string path)
    {
        if (array.GetArrayLength() == 0)
        {
            throw new PatternException(path, "array of values must not be empty");
        }

        var strings = new List<byte[]>();
        var numbers = new List<PatternNumber>();
        var matchers = new List<ValueMatcher>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var itemPath = Index(path, index++);
            CountValue(itemPath);
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    strings.Add(ReadString(item, itemPath));
                    break;
                case JsonValueKind.Number:
                    numbers.Add(ReadNumber(item, itemPath));
                    break;
                case JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                    matchers.Add(new LiteralMatcher(item.ValueKind));
                    break;
                case JsonValueKind.Object:
                    matchers.Add(CompileOperator(item, itemPath));
                    break;
                default:
                    throw new PatternException(itemPath, "arrays cannot be nested; list the values in the field's array");
            }
        }

        // Exact strings go first: they are the most common matcher and one lookup covers them all.
        if (strings.Count > 0)
        {
            matchers.Insert(0, new StringSetMatcher(new Utf8StringSet(strings)));
        }

        if (numbers.Count > 0)
        {
            matchers.Add(new NumberEqualsMatcher([.. numbers]));
        }

        return [.. matchers];
    }

    private ValueMatcher CompileOperator(JsonElement obj, string path)
    {
        var (name, operand) = SingleProperty(obj, path, "a matcher object");
        var operatorPath = Member(path, name);
        return name switch
        {
            Prefix => CompileAffix(operand, operatorPath, name, IgnoreCaseMode.Prefix),
            Suffix => CompileAffix(operand, operatorPath, name, IgnoreCaseMode.Suffix),
            EqualsIgnoreCase => new IgnoreCaseMatcher(IgnoreCaseMode.Equals, [ReadOperandString(operand, operatorPath, name)]),
            Wildcard => new WildcardMatcher([ReadWildcard(operand, operatorPath, name)]),
            AnythingBut => new AnythingButMatcher(CompileAnythingBut(operand, operatorPath)),
            Numeric => CompileNumeric(operand, operatorPath),
            Exists => operand.ValueKind switch
            {
                JsonValueKind.True => ExistsMatcher.Present,
                JsonValueKind.False => ExistsMatcher.Absent,
                var kind => throw new PatternException(operatorPath, $"exists: value must be true or false, not {Describe(kind)}"),
            },
            Cidr => CompileCidr(operand, operatorPath),
            _ => throw new PatternException(operatorPath, $"unknown operator '{name}'"),
        };
    }

    /// <summary><c>prefix</c> or <c>suffix</c>: a string, or <c>{"equals-ignore-case": string}</c>.</summary>
    private static ValueMatcher CompileAffix(JsonElement operand, string path, string name, IgnoreCaseMode mode)
    {
        if (operand.ValueKind == JsonValueKind.String)
        {
            var text = ReadString(operand, path);
            return mode == IgnoreCaseMode.Prefix ? new PrefixMatcher(text) : new SuffixMatcher(text);
        }

        if (operand.ValueKind == JsonValueKind.Object)
        {
            var (inner, value) = SingleProperty(operand, path, $"the value of {name}");
            var innerPath = Member(path, inner);
            if (inner == EqualsIgnoreCase)
            {
                return new IgnoreCaseMatcher(mode, [ReadOperandString(value, innerPath, $"{name} {inner}")]);
            }

            throw new PatternException(innerPath, $"{name}: unsupported operator '{inner}'; only equals-ignore-case can go here");
        }

        throw new PatternException(path, $"{name}: value must be a string or {{\"equals-ignore-case\": string}}, not {Describe(operand.ValueKind)}");
    }

    /// <summary>What anything-but excludes; the caller negates it.</summary>
    private ValueMatcher CompileAnythingBut(JsonElement operand, string path)
    {
        switch (operand.ValueKind)
        {
            case JsonValueKind.String:
                return new StringSetMatcher(new Utf8StringSet([ReadString(operand, path)]));
            case JsonValueKind.Number:
                return new NumberEqualsMatcher([ReadNumber(operand, path)]);
            case JsonValueKind.Array:
                return CompileAnythingButList(operand, path);
            case JsonValueKind.Object:
                var (name, value) = SingleProperty(operand, path, "the value of anything-but");
                var innerPath = Member(path, name);
                var label = $"{AnythingBut} {name}";
                return name switch
                {
                    Prefix => new PrefixMatcher(ReadNonEmpty(value, innerPath, label)),
                    Suffix => new SuffixMatcher(ReadNonEmpty(value, innerPath, label)),
                    EqualsIgnoreCase => new IgnoreCaseMatcher(IgnoreCaseMode.Equals, ReadStringOrList(value, innerPath, label)),
                    Wildcard => new WildcardMatcher([.. ReadStringOrList(value, innerPath, label).Select((text, i) =>
                        ParseWildcard(text, value.ValueKind == JsonValueKind.Array ? Index(innerPath, i) : innerPath, label))]),
                    _ => throw new PatternException(innerPath, $"anything-but: unsupported operator '{name}'; use prefix, suffix, equals-ignore-case or wildcard"),
                };
            default:
                throw new PatternException(path, $"anything-but: value must be a string, a number, a list of either, or an operator object, not {Describe(operand.ValueKind)}");
        }
    }

    private ValueMatcher CompileAnythingButList(JsonElement array, string path)
    {
        if (array.GetArrayLength() == 0)
        {
            throw new PatternException(path, "anything-but: list must not be empty");
        }

        var strings = new List<byte[]>();
        var numbers = new List<PatternNumber>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var itemPath = Index(path, index++);
            CountValue(itemPath);
            if (item.ValueKind == JsonValueKind.String)
            {
                strings.Add(ReadString(item, itemPath));
            }
            else if (item.ValueKind == JsonValueKind.Number)
            {
                numbers.Add(ReadNumber(item, itemPath));
            }
            else
            {
                throw new PatternException(itemPath, $"anything-but: list values must be strings or numbers, not {Describe(item.ValueKind)}");
            }

            if (strings.Count > 0 && numbers.Count > 0)
            {
                throw new PatternException(itemPath, "anything-but: list must hold only strings or only numbers");
            }
        }

        return strings.Count > 0 ? new StringSetMatcher(new Utf8StringSet(strings)) : new NumberEqualsMatcher([.. numbers]);
    }

    private static ValueMatcher CompileNumeric(JsonElement operand, string path)
    {
        const string Shape = "numeric: value must be one or two comparisons, e.g. [\">\", 0, \"<=\", 5]";
        if (operand.ValueKind != JsonValueKind.Array || operand.GetArrayLength() is not (2 or 4))
        {
            throw new PatternException(path, Shape);
        }

        var (firstOperator, first) = ReadComparison(operand, 0, path);
        if (operand.GetArrayLength() == 2)
        {
            return firstOperator switch
            {
                "=" => new NumberEqualsMatcher([first]),
                ">" => new NumericRangeMatcher(first.Value, false, double.PositiveInfinity, false),
                ">=" => new NumericRangeMatcher(first.Value, true, double.PositiveInfinity, false),
                "<" => new NumericRangeMatcher(double.NegativeInfinity, false, first.Value, false),
                _ => new NumericRangeMatcher(double.NegativeInfinity, false, first.Value, true),
            };
        }

        var (secondOperator, second) = ReadComparison(operand, 2, path);
        if (firstOperator is not (">" or ">=") || secondOperator is not ("<" or "<="))
        {
            var problem = firstOperator == "=" || secondOperator == "="
                ? "numeric: '=' cannot be combined with another comparison"
                : "numeric: a range is a lower bound ('>' or '>=') followed by an upper bound ('<' or '<=')";
            throw new PatternException(path, problem);
        }

        if (first.Value >= second.Value)
        {
            throw new PatternException(path, $"numeric: lower bound {Format(first.Value)} must be below upper bound {Format(second.Value)}");
        }

        return new NumericRangeMatcher(first.Value, firstOperator == ">=", second.Value, secondOperator == "<=");
    }

    private static (string Operator, PatternNumber Value) ReadComparison(JsonElement array, int at, string path)
    {
        var op = array[at];
        var opText = op.ValueKind == JsonValueKind.String ? op.GetString()! : "";
        if (opText is not ("=" or "<" or "<=" or ">" or ">="))
        {
            var shown = op.ValueKind == JsonValueKind.String ? $"'{opText}'" : op.GetRawText();
            throw new PatternException(Index(path, at), $"numeric: unknown comparison {shown}; use =, <, <=, > or >=");
        }

        var value = array[at + 1];
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new PatternException(Index(path, at + 1), $"numeric: '{opText}' must be followed by a number, not {Describe(value.ValueKind)}");
        }

        return (opText, ReadNumber(value, Index(path, at + 1)));
    }

    private static CidrMatcher CompileCidr(JsonElement operand, string path)
    {
        if (operand.ValueKind != JsonValueKind.String)
        {
            throw new PatternException(path, $"cidr: value must be a string like \"10.0.0.0/24\", not {Describe(operand.ValueKind)}");
        }

        return CidrMatcher.TryCreate(operand.GetString()!, out var problem)
            ?? throw new PatternException(path, $"cidr: {problem}");
    }

    private static WildcardPattern ReadWildcard(JsonElement operand, string path, string label) =>
        ParseWildcard(ReadOperandString(operand, path, label), path, label);

    private static WildcardPattern ParseWildcard(string text, string path, string label) =>
        WildcardPattern.TryParse(text, out var pattern, out var problem)
            ? pattern
            : throw new PatternException(path, $"{label}: {problem}");

    private List<string> ReadStringOrList(JsonElement operand, string path, string label)
    {
        if (operand.ValueKind == JsonValueKind.String)
        {
            return [ReadOperandString(operand, path, label)];
        }

        if (operand.ValueKind != JsonValueKind.Array || operand.GetArrayLength() == 0)
        {
            throw new PatternException(path, $"{label}: value must be a string or a non-empty list of strings");
        }

        var texts = new List<string>();
        var index = 0;
        foreach (var item in operand.EnumerateArray())
        {
            var itemPath = Index(path, index++);
            CountValue(itemPath);
            texts.Add(ReadOperandString(item, itemPath, label));
        }

        return texts;
    }

    private static byte[] ReadNonEmpty(JsonElement operand, string path, string label)
    {
        var text = ReadOperandString(operand, path, label);
        return text.Length > 0
            ? Encoding.UTF8.GetBytes(text)
            : throw new PatternException(path, $"{label}: value must not be empty");
    }

    private static string ReadOperandString(JsonElement operand, string path, string label)
    {
        if (operand.ValueKind != JsonValueKind.String)
        {
            throw new PatternException(path, $"{label}: value must be a string, not {Describe(operand.ValueKind)}");
        }

        var text = operand.GetString()!;
        CheckLength(text, path);
        return text;
    }

    private static byte[] ReadString(JsonElement value, string path)
    {
        var text = value.GetString()!;
        CheckLength(text, path);
        return Encoding.UTF8.GetBytes(text);
    }

    private static void CheckLength(string text, string path)
    {
        if (Encoding.UTF8.GetByteCount(text) > MaxStringBytes)
        {
            throw new PatternException(path, $"string is longer than {MaxStringBytes} bytes");
        }
    }

    private static PatternNumber ReadNumber(JsonElement value, string path)
    {
        if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw new PatternException(path, $"number {value.GetRawText()} is out of range");
        }

        return new PatternNumber(number, value.TryGetDecimal(out var exact) ? exact : null);
    }

    private void CountValue(string path)
    {
        if (++_values > MaxValues)
        {
            throw new PatternException(path, $"pattern has more than {MaxValues} values");
        }
    }

    private static (string Name, JsonElement Value) SingleProperty(JsonElement obj, string path, string what)
    {
        var count = 0;
        JsonProperty only = default;
        foreach (var property in obj.EnumerateObject())
        {
            count++;
            only = property;
        }

        return count == 1
            ? (only.Name, only.Value)
            : throw new PatternException(path, $"{what} must hold exactly one operator, found {count}");
    }

    private static string Member(string path, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$' or '@' or ':')
            ? $"{path}.{name}"
            : $"{path}['{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}']";

    private static string Index(string path, int index) => $"{path}[{index.ToString(CultureInfo.InvariantCulture)}]";

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
