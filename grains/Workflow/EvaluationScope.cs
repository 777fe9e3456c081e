using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>What paths and intrinsics read: the effective input, the context object (built on first use) and the random source.</summary>
internal sealed class EvaluationScope(JsonNode? input, Func<JsonNode> contextFactory, IRandomSource random)
{
    private JsonNode? _context;

    public JsonNode? Input { get; } = input;

    public JsonNode Context => _context ??= contextFactory();

    public IRandomSource Random { get; } = random;

    /// <summary>Applies the path to the input, or to the context object for <c>$$</c> paths.</summary>
    public bool TrySelect(JsonPath path, out JsonNode? value) => path.TrySelect(path.IsContext ? Context : Input, out value);
}
