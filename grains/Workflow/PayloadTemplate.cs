using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>
/// A payload template (<c>Parameters</c>, <c>ResultSelector</c>, <c>ItemSelector</c>), compiled once: fields whose
/// name ends with <c>.$</c> take the value of a path (<c>$…</c> on the input, <c>$$…</c> on the context object) or
/// of an intrinsic function call, at any depth, including objects inside arrays.
/// </summary>
internal sealed class PayloadTemplate
{
    private readonly Node _root;

    private PayloadTemplate(Node root) => _root = root;

    /// <summary>Paths the template reads (intrinsic arguments included): each may copy a whole payload.</summary>
    public int References => _root.References;

    /// <summary>Compiles the template; problems are added to <paramref name="errors"/> with their JSON paths.</summary>
    public static PayloadTemplate Compile(JsonElement template, string path, List<ValidationError> errors) =>
        new(CompileNode(template, path, errors));

    /// <summary>Builds the payload. A path that does not resolve raises <paramref name="pathFailureError"/>.</summary>
    public JsonNode? Apply(EvaluationScope scope, string pathFailureError) => _root.Build(scope, pathFailureError);

    private static Node CompileNode(JsonElement element, string path, List<ValidationError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var fields = new List<(string, Node)>();
                foreach (var property in element.EnumerateObject())
                {
                    var fieldPath = Paths.Field(path, property.Name);
                    if (!property.Name.EndsWith(".$", StringComparison.Ordinal))
                    {
                        fields.Add((property.Name, CompileNode(property.Value, fieldPath, errors)));
                        continue;
                    }

                    var name = property.Name[..^2];
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        errors.Add(new(fieldPath, $"'{property.Name}' must be a string holding a path or an intrinsic function"));
                        continue;
                    }

                    var text = property.Value.GetString()!;
                    if (IntrinsicFunction.LooksLikeCall(text))
                    {
                        if (IntrinsicFunction.TryParse(text, out var call, out var callProblem))
                        {
                            fields.Add((name, new CallNode(call)));
                        }
                        else
                        {
                            errors.Add(new(fieldPath, callProblem));
                        }
                    }
                    else if (JsonPath.TryParse(text, out var selected, out var pathProblem))
                    {
                        fields.Add((name, new PathNode(selected, property.Name)));
                    }
                    else
                    {
                        errors.Add(new(fieldPath, pathProblem));
                    }
                }

                return new ObjectNode([.. fields]);
            case JsonValueKind.Array:
                var items = new List<Node>();
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(CompileNode(item, Paths.Index(path, index++), errors));
                }

                return new ArrayNode([.. items]);
            default:
                return new ConstantNode(JsonNode.Parse(element.GetRawText()));
        }
    }

    private abstract class Node
    {
        public virtual int References => 0;

        public abstract JsonNode? Build(EvaluationScope scope, string pathFailureError);
    }

    private sealed class ConstantNode(JsonNode? value) : Node
    {
        public override JsonNode? Build(EvaluationScope scope, string pathFailureError) => value?.DeepClone();
    }

    private sealed class ObjectNode((string Name, Node Value)[] fields) : Node
    {
        public override int References => fields.Sum(f => f.Value.References);

        public override JsonNode Build(EvaluationScope scope, string pathFailureError)
        {
            var obj = new JsonObject();
            foreach (var (name, value) in fields)
            {
                obj[name] = value.Build(scope, pathFailureError);
            }

            return obj;
        }
    }

    private sealed class ArrayNode(Node[] items) : Node
    {
        public override int References => items.Sum(i => i.References);

        public override JsonNode Build(EvaluationScope scope, string pathFailureError)
        {
            var array = new JsonArray();
            foreach (var item in items)
            {
                array.Add(item.Build(scope, pathFailureError));
            }

            return array;
        }
    }

    private sealed class PathNode(JsonPath path, string field) : Node
    {
        public override int References => 1;

        public override JsonNode? Build(EvaluationScope scope, string pathFailureError) =>
            scope.TrySelect(path, out var value)
                ? value
                : throw new WorkflowError(
                    pathFailureError,
                    $"The JSONPath '{path}' specified for the field '{field}' could not be found in the {(path.IsContext ? "context object" : "input")}");
    }

    private sealed class CallNode(IntrinsicFunction call) : Node
    {
        public override int References => call.References;

        public override JsonNode? Build(EvaluationScope scope, string pathFailureError) => call.Evaluate(scope);
    }
}
