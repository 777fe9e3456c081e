using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>
/// One Choice Rule (JSONPath flavour): a comparison of <c>Variable</c> with a literal or, for the <c>…Path</c>
/// operators, with another path; or <c>And</c> / <c>Or</c> / <c>Not</c> over nested rules.
/// </summary>
internal abstract class ChoiceRule
{
    private enum Operand
    {
        String,
        Numeric,
        Boolean,
        Timestamp,
        Matches,
        Test,
    }

    private enum Relation
    {
        Equals,
        LessThan,
        GreaterThan,
        LessThanEquals,
        GreaterThanEquals,
    }

    private static readonly Dictionary<string, (Operand Operand, Relation Relation)> Comparisons = BuildComparisons();

    private static readonly HashSet<string> TypeTests = ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"];

    /// <summary>Evaluates the rule against the state's effective input.</summary>
    /// <exception cref="WorkflowError">States.Runtime: <c>Variable</c> (or a compared path) is not in the input.</exception>
    public abstract bool Evaluate(EvaluationScope scope);

    private static Dictionary<string, (Operand, Relation)> BuildComparisons()
    {
        var table = new Dictionary<string, (Operand, Relation)>(StringComparer.Ordinal);
        foreach (var (prefix, operand) in new[] { ("String", Operand.String), ("Numeric", Operand.Numeric), ("Timestamp", Operand.Timestamp) })
        {
            table[prefix + "Equals"] = (operand, Relation.Equals);
            table[prefix + "LessThan"] = (operand, Relation.LessThan);
            table[prefix + "GreaterThan"] = (operand, Relation.GreaterThan);
            table[prefix + "LessThanEquals"] = (operand, Relation.LessThanEquals);
            table[prefix + "GreaterThanEquals"] = (operand, Relation.GreaterThanEquals);
        }

        table["BooleanEquals"] = (Operand.Boolean, Relation.Equals);
        foreach (var name in table.Keys.ToList())
        {
            table[name + "Path"] = table[name];
        }

        table["StringMatches"] = (Operand.Matches, Relation.Equals);
        return table;
    }

    /// <summary>Compiles a rule; returns null after adding its problems to <paramref name="errors"/>.</summary>
    public static ChoiceRule? Compile(JsonElement rule, string path, bool topLevel, List<ValidationError> errors)
    {
        if (rule.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "a choice rule must be an object"));
            return null;
        }

        var operators = new List<JsonProperty>();
        JsonElement? variable = null;
        foreach (var property in rule.EnumerateObject())
        {
            switch (property.Name)
            {
                case "Next" when topLevel:
                case "Comment":
                    break;
                case "Next":
                    errors.Add(new(Paths.Field(path, "Next"), "Next is only allowed on a top-level choice rule, not inside And, Or or Not"));
                    break;
                case "Variable":
                    variable = property.Value;
                    break;
                case "And" or "Or" or "Not":
                    operators.Add(property);
                    break;
                default:
                    if (Comparisons.ContainsKey(property.Name) || TypeTests.Contains(property.Name))
                    {
                        operators.Add(property);
                    }
                    else
                    {
                        errors.Add(new(Paths.Field(path, property.Name), $"'{property.Name}' is not a comparison operator"));
                    }

                    break;
            }
        }

        if (topLevel && !rule.TryGetProperty("Next", out _))
        {
            errors.Add(new(path, "a choice rule must have Next"));
        }

        if (operators.Count != 1)
        {
            errors.Add(new(path, $"a choice rule must hold exactly one comparison operator or And/Or/Not, found {operators.Count}"));
            return null;
        }

        var op = operators[0];
        var opPath = Paths.Field(path, op.Name);
        if (op.Name is "And" or "Or" or "Not")
        {
            if (variable is not null)
            {
                errors.Add(new(Paths.Field(path, "Variable"), $"Variable cannot be used with {op.Name}"));
            }

            return op.Name == "Not" ? CompileNot(op.Value, opPath, errors) : CompileJunction(op.Name, op.Value, opPath, errors);
        }

        if (variable is not { ValueKind: JsonValueKind.String } variableText)
        {
            errors.Add(new(Paths.Field(path, "Variable"), variable is null ? $"{op.Name} needs a Variable" : "Variable must be a string path"));
            return null;
        }

        if (!JsonPath.TryParse(variableText.GetString()!, out var variablePath, out var problem))
        {
            errors.Add(new(Paths.Field(path, "Variable"), problem));
            return null;
        }

        if (TypeTests.Contains(op.Name))
        {
            if (op.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add(new(opPath, $"{op.Name} must be true or false"));
                return null;
            }

            return new TypeTest(variablePath, op.Name, op.Value.GetBoolean());
        }

        var (operand, relation) = Comparisons[op.Name];
        if (op.Name.EndsWith("Path", StringComparison.Ordinal))
        {
            if (op.Value.ValueKind != JsonValueKind.String || !JsonPath.TryParse(op.Value.GetString()!, out var other, out var otherProblem))
            {
                errors.Add(new(opPath, op.Value.ValueKind == JsonValueKind.String ? $"{op.Name}: {Problem(op.Value)}" : $"{op.Name} must be a path"));
                return null;
            }

            return new Comparison(variablePath, operand, relation, null, other);
        }

        var literalProblem = operand switch
        {
            Operand.String or Operand.Matches when op.Value.ValueKind != JsonValueKind.String => "must be a string",
            Operand.Numeric when op.Value.ValueKind != JsonValueKind.Number => "must be a number",
            Operand.Boolean when op.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False) => "must be true or false",
            Operand.Timestamp when op.Value.ValueKind != JsonValueKind.String || !Timestamps.TryParse(op.Value.GetString()!, out _) =>
                "must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z",
            _ => null,
        };
        if (literalProblem is not null)
        {
            errors.Add(new(opPath, $"{op.Name} {literalProblem}"));
            return null;
        }

        return new Comparison(variablePath, operand, relation, JsonNode.Parse(op.Value.GetRawText()), null);
    }

    private static string Problem(JsonElement pathText) =>
        JsonPath.TryParse(pathText.GetString()!, out _, out var problem) ? "" : problem;

    private static Not? CompileNot(JsonElement value, string path, List<ValidationError> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path, "Not must hold one choice rule object"));
            return null;
        }

        var inner = Compile(value, path, topLevel: false, errors);
        return inner is null ? null : new Not(inner);
    }

    private static Junction? CompileJunction(string name, JsonElement value, string path, List<ValidationError> errors)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            errors.Add(new(path, $"{name} must be a non-empty array of choice rules"));
            return null;
        }

        var rules = new List<ChoiceRule>();
        var index = 0;
        var failed = false;
        foreach (var item in value.EnumerateArray())
        {
            var rule = Compile(item, Paths.Index(path, index++), topLevel: false, errors);
            if (rule is null)
            {
                failed = true;
            }
            else
            {
                rules.Add(rule);
            }
        }

        return failed ? null : new Junction(name == "And", [.. rules]);
    }

    private static JsonNode? Resolve(EvaluationScope scope, JsonPath path) =>
        scope.TrySelect(path, out var value)
            ? value
            : throw new WorkflowError(ErrorNames.Runtime, $"Invalid path '{path}': the choice state's condition path references an invalid value.");

    private static bool IsKind(JsonNode? node, JsonValueKind kind) => node is JsonValue v && v.GetValueKind() == kind;

    private static bool IsBoolean(JsonNode? node) => IsKind(node, JsonValueKind.True) || IsKind(node, JsonValueKind.False);

    private static bool IsTimestamp(JsonNode? node, out DateTimeOffset value)
    {
        value = default;
        return IsKind(node, JsonValueKind.String) && Timestamps.TryParse(node!.GetValue<string>(), out value);
    }

    /// <summary><c>*</c> matches any run of characters; <c>\*</c> is a literal star and <c>\\</c> a literal backslash.</summary>
    internal static bool GlobMatches(string text, string pattern)
    {
        // Classic two-pointer wildcard match with backtracking to the last star.
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = ++p;
                starT = t;
                continue;
            }

            if (p < pattern.Length)
            {
                var literal = pattern[p];
                var width = 1;
                if (literal == '\\' && p + 1 < pattern.Length)
                {
                    literal = pattern[p + 1];
                    width = 2;
                }

                if (literal == text[t])
                {
                    p += width;
                    t++;
                    continue;
                }
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private sealed class Junction(bool isAnd, ChoiceRule[] rules) : ChoiceRule
    {
        public override bool Evaluate(EvaluationScope scope)
        {
            foreach (var rule in rules)
            {
                if (rule.Evaluate(scope) != isAnd)
                {
                    return !isAnd;
                }
            }

            return isAnd;
        }
    }

    private sealed class Not(ChoiceRule rule) : ChoiceRule
    {
        public override bool Evaluate(EvaluationScope scope) => !rule.Evaluate(scope);
    }

    private sealed class TypeTest(JsonPath variable, string test, bool expected) : ChoiceRule
    {
        public override bool Evaluate(EvaluationScope scope)
        {
            if (test == "IsPresent")
            {
                return scope.TrySelect(variable, out _) == expected;
            }

            var value = Resolve(scope, variable);
            var actual = test switch
            {
                "IsNull" => value is null || IsKind(value, JsonValueKind.Null),
                "IsNumeric" => IsKind(value, JsonValueKind.Number),
                "IsString" => IsKind(value, JsonValueKind.String),
                "IsBoolean" => IsBoolean(value),
                _ => IsTimestamp(value, out _),
            };
            return actual == expected;
        }
    }

    private sealed class Comparison(JsonPath variable, Operand operand, Relation relation, JsonNode? literal, JsonPath? other) : ChoiceRule
    {
        public override bool Evaluate(EvaluationScope scope)
        {
            var left = Resolve(scope, variable);
            var right = other is null ? literal : Resolve(scope, other);
            // Type-sensitive: a value of another type never matches, it is not an error.
            int order;
            switch (operand)
            {
                case Operand.String when IsKind(left, JsonValueKind.String) && IsKind(right, JsonValueKind.String):
                    order = string.CompareOrdinal(left!.GetValue<string>(), right!.GetValue<string>());
                    break;
                case Operand.Matches when IsKind(left, JsonValueKind.String) && IsKind(right, JsonValueKind.String):
                    return GlobMatches(left!.GetValue<string>(), right!.GetValue<string>());
                case Operand.Numeric when IsKind(left, JsonValueKind.Number) && IsKind(right, JsonValueKind.Number):
                    order = left!.GetValue<double>().CompareTo(right!.GetValue<double>());
                    break;
                case Operand.Boolean when IsBoolean(left) && IsBoolean(right):
                    return left!.GetValue<bool>() == right!.GetValue<bool>();
                case Operand.Timestamp when IsTimestamp(left, out var l) && IsTimestamp(right, out var r):
                    order = l.CompareTo(r);
                    break;
                default:
                    return false;
            }

            return relation switch
            {
                Relation.Equals => order == 0,
                Relation.LessThan => order < 0,
                Relation.GreaterThan => order > 0,
                Relation.LessThanEquals => order <= 0,
                _ => order >= 0,
            };
        }
    }
}
