using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>
/// An intrinsic function call such as <c>States.Format('Hi {}', $.name)</c>, parsed once. Arguments are string
/// literals in single quotes (escapes <c>\'</c>, <c>\\</c>, <c>\{</c>, <c>\}</c>), numbers, <c>true</c>,
/// <c>false</c>, <c>null</c>, paths (<c>$.x</c>, <c>$$.Execution.Id</c>) and nested calls.
/// </summary>
internal sealed class IntrinsicFunction
{
    private static readonly HashSet<string> KnownFunctions =
    [
        "States.Format", "States.StringToJson", "States.JsonToString", "States.Array", "States.JsonMerge",
        "States.UUID", "States.MathAdd", "States.ArrayLength", "States.ArrayGetItem", "States.ArrayContains",
        "States.StringSplit", "States.Base64Encode", "States.Base64Decode",
    ];

    private readonly string _name;
    private readonly Argument[] _arguments;

    private IntrinsicFunction(string name, Argument[] arguments)
    {
        _name = name;
        _arguments = arguments;
    }

    /// <summary>Paths among the arguments, nested calls' included.</summary>
    public int References => _arguments.Sum(a => a.Path is not null ? 1 : a.Call?.References ?? 0);

    public static bool LooksLikeCall(string text) => text.StartsWith(ErrorNames.Prefix, StringComparison.Ordinal);

    public static bool TryParse(string text, out IntrinsicFunction function, out string problem)
    {
        var reader = new Reader(text);
        function = null!;
        try
        {
            function = reader.ReadCall();
            reader.SkipSpaces();
            if (!reader.AtEnd)
            {
                throw new FormatException($"unexpected text after the call at position {reader.Position}");
            }

            problem = "";
            return true;
        }
        catch (FormatException e)
        {
            problem = $"'{text}' is not a valid intrinsic function call: {e.Message}";
            return false;
        }
    }

    public JsonNode? Evaluate(EvaluationScope scope)
    {
        var values = new JsonNode?[_arguments.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _arguments[i].Evaluate(scope);
        }

        return _name switch
        {
            "States.Format" => Format(values),
            "States.StringToJson" => StringToJson(values),
            "States.JsonToString" => JsonValue.Create(Expect(values, 1)?.ToJsonString() ?? "null"),
            "States.Array" => new JsonArray(values),
            "States.JsonMerge" => JsonMerge(values),
            "States.UUID" => Uuid(values, scope.Random),
            "States.MathAdd" => MathAdd(values),
            "States.ArrayLength" => JsonValue.Create(ArrayArgument(values, 1, 0).Count),
            "States.ArrayGetItem" => ArrayGetItem(values),
            "States.ArrayContains" => ArrayContains(values),
            "States.StringSplit" => StringSplit(values),
            "States.Base64Encode" => JsonValue.Create(Convert.ToBase64String(Encoding.UTF8.GetBytes(StringArgument(values, 1, 0)))),
            "States.Base64Decode" => Base64Decode(values),
            _ => throw Failure($"unknown intrinsic function {_name}"),
        };
    }

    private JsonNode? Expect(JsonNode?[] values, int count)
    {
        if (values.Length != count)
        {
            throw Failure($"{_name} takes {count} argument(s), got {values.Length}");
        }

        return count == 0 ? null : values[0];
    }

    private string StringArgument(JsonNode?[] values, int count, int index)
    {
        Expect(values, count);
        return values[index] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw Failure($"{_name}: argument {index + 1} must be a string");
    }

    private JsonArray ArrayArgument(JsonNode?[] values, int count, int index)
    {
        Expect(values, count);
        return values[index] as JsonArray ?? throw Failure($"{_name}: argument {index + 1} must be an array");
    }

    private JsonValue Format(JsonNode?[] values)
    {
        if (values.Length == 0 || _arguments[0] is not { } first)
        {
            throw Failure("States.Format needs a template");
        }

        // A literal template keeps its escapes so that \{ and \} stay literal braces; a template read from a path has none.
        var template = first.Literal is not null
            ? first.RawText!
            : values[0] is JsonValue tv && tv.GetValueKind() == JsonValueKind.String
                ? tv.GetValue<string>()
                : throw Failure("States.Format: the template must be a string");
        var escapes = first.Literal is not null;
        var text = new StringBuilder();
        var next = 1;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (escapes && c == '\\' && i + 1 < template.Length)
            {
                text.Append(template[++i]);
            }
            else if (c == '{' && i + 1 < template.Length && template[i + 1] == '}')
            {
                if (next >= values.Length)
                {
                    throw Failure("States.Format: more {} placeholders than arguments");
                }

                text.Append(Render(values[next++]));
                i++;
            }
            else
            {
                text.Append(c);
            }
        }

        if (next != values.Length)
        {
            throw Failure("States.Format: more arguments than {} placeholders");
        }

        return JsonValue.Create(text.ToString());
    }

    private string Render(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        _ => throw Failure("States.Format: arguments must be strings, numbers, booleans or null"),
    };

    private JsonNode? StringToJson(JsonNode?[] values)
    {
        var text = StringArgument(values, 1, 0);
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw Failure($"States.StringToJson: not JSON: {e.Message}");
        }
    }

    private JsonObject JsonMerge(JsonNode?[] values)
    {
        Expect(values, 3);
        if (values[0] is not JsonObject left || values[1] is not JsonObject right)
        {
            throw Failure("States.JsonMerge: the first two arguments must be objects");
        }

        if (values[2] is not JsonValue deep || deep.GetValueKind() != JsonValueKind.False)
        {
            throw Failure("States.JsonMerge: only shallow merging is supported; the third argument must be false");
        }

        var merged = (JsonObject)left.DeepClone();
        foreach (var property in right)
        {
            merged[property.Key] = property.Value?.DeepClone();
        }

        return merged;
    }

    private JsonValue Uuid(JsonNode?[] values, IRandomSource random)
    {
        Expect(values, 0);
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(random.NextDouble() * 256);
        }

        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return JsonValue.Create(new Guid(bytes, bigEndian: true).ToString());
    }

    private JsonValue MathAdd(JsonNode?[] values)
    {
        Expect(values, 2);
        var a = Number(values[0]);
        var b = Number(values[1]);
        var sum = a + b;
        return sum == Math.Floor(sum) && Math.Abs(sum) < 9.007199254740992e15
            ? JsonValue.Create((long)sum)
            : JsonValue.Create(sum);
    }

    private double Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.GetValue<double>()
            : throw Failure($"{_name}: arguments must be numbers");

    private JsonNode? ArrayGetItem(JsonNode?[] values)
    {
        var array = ArrayArgument(values, 2, 0);
        var index = Number(values[1]);
        return index >= 0 && index < array.Count && index == Math.Floor(index)
            ? array[(int)index]?.DeepClone()
            : throw Failure($"States.ArrayGetItem: index {index} is outside the array of {array.Count}");
    }

    private JsonValue ArrayContains(JsonNode?[] values)
    {
        var array = ArrayArgument(values, 2, 0);
        foreach (var item in array)
        {
            if (JsonNode.DeepEquals(item, values[1]))
            {
                return JsonValue.Create(true);
            }
        }

        return JsonValue.Create(false);
    }

    private JsonArray StringSplit(JsonNode?[] values)
    {
        var text = StringArgument(values, 2, 0);
        var separators = StringArgument(values, 2, 1);
        var array = new JsonArray();
        foreach (var part in text.Split(separators.ToCharArray(), StringSplitOptions.RemoveEmptyEntries))
        {
            array.Add(part);
        }

        return array;
    }

    private JsonValue Base64Decode(JsonNode?[] values)
    {
        var text = StringArgument(values, 1, 0);
        try
        {
            return JsonValue.Create(Encoding.UTF8.GetString(Convert.FromBase64String(text)));
        }
        catch (FormatException)
        {
            throw Failure("States.Base64Decode: not base64");
        }
    }

    private static WorkflowError Failure(string message) => new(ErrorNames.IntrinsicFailure, message);

    private sealed class Argument
    {
        public JsonNode? Literal { get; init; }

        public string? RawText { get; init; }

        public bool IsNullLiteral { get; init; }

        public JsonPath? Path { get; init; }

        public IntrinsicFunction? Call { get; init; }

        public JsonNode? Evaluate(EvaluationScope scope)
        {
            if (Call is not null)
            {
                return Call.Evaluate(scope);
            }

            if (Path is not null)
            {
                return scope.TrySelect(Path, out var value)
                    ? value
                    : throw new WorkflowError(ErrorNames.IntrinsicFailure, $"the path '{Path}' could not be found");
            }

            return IsNullLiteral ? null : Literal?.DeepClone();
        }
    }

    private sealed class Reader(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public IntrinsicFunction ReadCall()
        {
            SkipSpaces();
            var start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(text[Position]) || text[Position] == '.'))
            {
                Position++;
            }

            var name = text[start..Position];
            if (!KnownFunctions.Contains(name))
            {
                throw new FormatException($"unknown function '{name}'");
            }

            SkipSpaces();
            Require('(');
            var arguments = new List<Argument>();
            SkipSpaces();
            if (!AtEnd && text[Position] == ')')
            {
                Position++;
                return new IntrinsicFunction(name, [.. arguments]);
            }

            while (true)
            {
                arguments.Add(ReadArgument());
                SkipSpaces();
                if (AtEnd)
                {
                    throw new FormatException("missing ')'");
                }

                var c = text[Position++];
                if (c == ')')
                {
                    return new IntrinsicFunction(name, [.. arguments]);
                }

                if (c != ',')
                {
                    throw new FormatException($"expected ',' or ')' at position {Position - 1}");
                }
            }
        }

        private void Require(char c)
        {
            if (AtEnd || text[Position] != c)
            {
                throw new FormatException($"expected '{c}' at position {Position}");
            }

            Position++;
        }

        private Argument ReadArgument()
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw new FormatException("missing argument");
            }

            var c = text[Position];
            if (c == '\'')
            {
                return ReadString();
            }

            if (c == '$')
            {
                var start = Position;
                // A path ends at the ',' or ')' that is outside brackets and quotes.
                var depth = 0;
                char? quote = null;
                while (!AtEnd)
                {
                    var p = text[Position];
                    if (quote is not null)
                    {
                        if (p == quote)
                        {
                            quote = null;
                        }
                    }
                    else if (p is '\'' or '"')
                    {
                        quote = p;
                    }
                    else if (p == '[')
                    {
                        depth++;
                    }
                    else if (p == ']')
                    {
                        depth--;
                    }
                    else if (depth == 0 && (p is ',' or ')' || char.IsWhiteSpace(p)))
                    {
                        break;
                    }

                    Position++;
                }

                var pathText = text[start..Position];
                return JsonPath.TryParse(pathText, out var path, out var problem)
                    ? new Argument { Path = path }
                    : throw new FormatException(problem);
            }

            if (text.AsSpan(Position).StartsWith(ErrorNames.Prefix))
            {
                return new Argument { Call = ReadCall() };
            }

            var wordStart = Position;
            while (!AtEnd && text[Position] is not ',' and not ')' && !char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }

            var word = text[wordStart..Position];
            return word switch
            {
                "true" => new Argument { Literal = JsonValue.Create(true) },
                "false" => new Argument { Literal = JsonValue.Create(false) },
                "null" => new Argument { IsNullLiteral = true },
                _ when double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _) =>
                    new Argument { Literal = JsonNode.Parse(word) },
                _ => throw new FormatException($"'{word}' is not a string, number, boolean, null, path or call"),
            };
        }

        private Argument ReadString()
        {
            Position++;
            var raw = new StringBuilder();
            var value = new StringBuilder();
            while (!AtEnd)
            {
                var c = text[Position++];
                if (c == '\\' && !AtEnd)
                {
                    var escaped = text[Position++];
                    raw.Append('\\').Append(escaped);
                    value.Append(escaped);
                    continue;
                }

                if (c == '\'')
                {
                    return new Argument { Literal = JsonValue.Create(value.ToString()), RawText = raw.ToString() };
                }

                raw.Append(c);
                value.Append(c);
            }

            throw new FormatException("unterminated string literal");
        }
    }
}
