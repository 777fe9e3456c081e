using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SecurityCoach.Workflow;

/// <summary>
/// A compiled JSONPath of the subset ASL uses: <c>$</c>, <c>.name</c>, <c>['name']</c>, <c>[n]</c> (negative counts
/// from the end), <c>[*]</c> / <c>.*</c>, slices <c>[a:b:c]</c> and index unions <c>[0,2]</c>. A path that starts
/// with <c>$$</c> reads the context object instead of the state's input. Recursive descent and filters are
/// refused when parsing. A path with only names and indices is a Reference Path (one node); any other path
/// selects an array of every match.
/// </summary>
public sealed class JsonPath
{
    private readonly Segment[] _segments;

    private JsonPath(string text, bool isContext, Segment[] segments)
    {
        Text = text;
        IsContext = isContext;
        _segments = segments;
        IsReference = Array.TrueForAll(segments, s => s.Kind is SegmentKind.Name or SegmentKind.Index);
    }

    /// <summary><c>$</c>: the whole input.</summary>
    public static JsonPath Root { get; } = new("$", false, []);

    /// <summary>The path as written.</summary>
    public string Text { get; }

    /// <summary>Starts with <c>$$</c>: applies to the context object.</summary>
    public bool IsContext { get; }

    /// <summary>Only names and indices: selects at most one node.</summary>
    public bool IsReference { get; }

    /// <summary>Whether this is <c>$</c> itself.</summary>
    public bool IsRoot => _segments.Length == 0;

    public override string ToString() => Text;

    /// <summary>Parses a path; returns false with a reason when it is not one this engine can evaluate.</summary>
    public static bool TryParse(string text, out JsonPath path, out string problem)
    {
        path = Root;
        problem = "";
        if (!text.StartsWith('$'))
        {
            problem = $"'{text}' is not a path: it must start with '$'";
            return false;
        }

        var isContext = text.StartsWith("$$", StringComparison.Ordinal);
        var segments = new List<Segment>();
        var i = isContext ? 2 : 1;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '.')
            {
                i++;
                if (i >= text.Length)
                {
                    problem = $"'{text}' ends with '.'";
                    return false;
                }

                if (text[i] == '.')
                {
                    problem = $"'{text}': recursive descent '..' is not supported";
                    return false;
                }

                if (text[i] == '*')
                {
                    segments.Add(Segment.Wildcard);
                    i++;
                    continue;
                }

                var name = new StringBuilder();
                while (i < text.Length && text[i] is not '.' and not '[')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    name.Append(text[i]);
                    i++;
                }

                if (name.Length == 0)
                {
                    problem = $"'{text}' has an empty field name";
                    return false;
                }

                segments.Add(Segment.ForName(name.ToString()));
            }
            else if (c == '[')
            {
                var close = FindClose(text, i + 1);
                if (close < 0)
                {
                    problem = $"'{text}' has '[' without ']'";
                    return false;
                }

                if (!TryParseBracket(text.AsSpan(i + 1, close - i - 1), out var segment, out var reason))
                {
                    problem = $"'{text}': {reason}";
                    return false;
                }

                segments.Add(segment);
                i = close + 1;
            }
            else
            {
                problem = $"'{text}': unexpected '{c}' at position {i}";
                return false;
            }
        }

        path = new JsonPath(text, isContext, [.. segments]);
        return true;
    }

    /// <summary>Parses a path that is known to be valid (checked when the definition was parsed).</summary>
    public static JsonPath Parse(string text) =>
        TryParse(text, out var path, out var problem) ? path : throw new FormatException(problem);

    private static int FindClose(string text, int start)
    {
        char? quote = null;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == ']')
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryParseBracket(ReadOnlySpan<char> inner, out Segment segment, out string problem)
    {
        segment = Segment.Wildcard;
        problem = "";
        inner = inner.Trim();
        if (inner is "*")
        {
            return true;
        }

        if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
        {
            var name = new StringBuilder();
            for (var i = 1; i < inner.Length - 1; i++)
            {
                if (inner[i] == '\\' && i + 1 < inner.Length - 1)
                {
                    i++;
                }

                name.Append(inner[i]);
            }

            segment = Segment.ForName(name.ToString());
            return true;
        }

        if (inner.IsEmpty || inner[0] is '?' or '(')
        {
            problem = "filters and script expressions are not supported";
            return false;
        }

        if (inner.Contains(':'))
        {
            var parts = inner.ToString().Split(':');
            if (parts.Length > 3)
            {
                problem = $"slice '[{inner}]' has too many parts";
                return false;
            }

            var bounds = new int?[3];
            for (var p = 0; p < parts.Length; p++)
            {
                var part = parts[p].Trim();
                if (part.Length == 0)
                {
                    continue;
                }

                if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    problem = $"slice '[{inner}]' must hold whole numbers";
                    return false;
                }

                bounds[p] = n;
            }

            if (bounds[2] is <= 0)
            {
                problem = "a slice step must be positive";
                return false;
            }

            segment = Segment.ForSlice(bounds[0], bounds[1], bounds[2] ?? 1);
            return true;
        }

        var items = inner.ToString().Split(',');
        var indices = new int[items.Length];
        for (var k = 0; k < items.Length; k++)
        {
            if (!int.TryParse(items[k].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out indices[k]))
            {
                problem = $"'[{inner}]' is neither a quoted name nor an index";
                return false;
            }
        }

        // A repeated index selects nothing new: without this, a few `[0,0,…]` segments asked for 10^12 nodes.
        indices = [.. indices.Distinct()];
        segment = indices.Length == 1 ? Segment.ForIndex(indices[0]) : Segment.ForUnion(indices);
        return true;
    }

    /// <summary>
    /// Applies the path. A Reference Path yields its node (which may be JSON null) or false when absent; any
    /// other path yields a new array of every match (possibly empty) and always succeeds.
    /// </summary>
    public bool TrySelect(JsonNode? root, out JsonNode? value)
    {
        if (IsReference)
        {
            var node = root;
            foreach (var segment in _segments)
            {
                if (!segment.TryStep(node, out node))
                {
                    value = null;
                    return false;
                }
            }

            value = node?.DeepClone();
            return true;
        }

        List<JsonNode?> current = [root];
        foreach (var segment in _segments)
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
            {
                segment.Expand(node, next);
            }

            current = next;
        }

        var array = new JsonArray();
        foreach (var node in current)
        {
            array.Add(node?.DeepClone());
        }

        value = array;
        return true;
    }

    /// <summary>
    /// Writes <paramref name="value"/> at this Reference Path inside <paramref name="root"/> (changed in place),
    /// creating missing objects on the way; returns the new root, or false when the path crosses a value that is
    /// not an object (or an index outside its array).
    /// </summary>
    public bool TrySet(JsonNode? root, JsonNode? value, out JsonNode? result)
    {
        result = root;
        if (_segments.Length == 0)
        {
            result = value;
            return true;
        }

        if (!IsReference)
        {
            return false;
        }

        var node = root;
        for (var s = 0; s < _segments.Length; s++)
        {
            var segment = _segments[s];
            var last = s == _segments.Length - 1;
            if (segment.Kind == SegmentKind.Name)
            {
                if (node is not JsonObject obj)
                {
                    return false;
                }

                if (last)
                {
                    obj[segment.Name] = value;
                    return true;
                }

                if (!obj.TryGetPropertyValue(segment.Name, out var child) || child is null)
                {
                    child = new JsonObject();
                    obj[segment.Name] = child;
                }

                node = child;
            }
            else
            {
                if (node is not JsonArray array || !segment.TryResolveIndex(array.Count, out var index))
                {
                    return false;
                }

                if (last)
                {
                    array[index] = value;
                    return true;
                }

                node = array[index];
            }
        }

        return true;
    }

    private enum SegmentKind
    {
        Name,
        Index,
        Wildcard,
        Slice,
        Union,
    }

    private sealed class Segment
    {
        private Segment(SegmentKind kind) => Kind = kind;

        public static Segment Wildcard { get; } = new(SegmentKind.Wildcard);

        public SegmentKind Kind { get; }

        public string Name { get; private init; } = "";

        private int _index;
        private int? _start;
        private int? _end;
        private int _step = 1;
        private int[] _union = [];

        public static Segment ForName(string name) => new(SegmentKind.Name) { Name = name };

        public static Segment ForIndex(int index) => new(SegmentKind.Index) { _index = index };

        public static Segment ForSlice(int? start, int? end, int step) =>
            new(SegmentKind.Slice) { _start = start, _end = end, _step = step };

        public static Segment ForUnion(int[] indices) => new(SegmentKind.Union) { _union = indices };

        public bool TryResolveIndex(int count, out int index)
        {
            index = _index < 0 ? count + _index : _index;
            return index >= 0 && index < count;
        }

        public bool TryStep(JsonNode? node, out JsonNode? child)
        {
            child = null;
            if (Kind == SegmentKind.Name)
            {
                return node is JsonObject obj && obj.TryGetPropertyValue(Name, out child);
            }

            if (node is JsonArray array && TryResolveIndex(array.Count, out var index))
            {
                child = array[index];
                return true;
            }

            return false;
        }

        public void Expand(JsonNode? node, List<JsonNode?> into)
        {
            switch (Kind)
            {
                case SegmentKind.Name or SegmentKind.Index:
                    if (TryStep(node, out var child))
                    {
                        into.Add(child);
                    }

                    break;
                case SegmentKind.Wildcard:
                    if (node is JsonArray all)
                    {
                        into.AddRange(all);
                    }
                    else if (node is JsonObject obj)
                    {
                        foreach (var property in obj)
                        {
                            into.Add(property.Value);
                        }
                    }

                    break;
                case SegmentKind.Slice:
                    if (node is JsonArray sliced)
                    {
                        var count = sliced.Count;
                        var start = Clamp(_start ?? 0, count);
                        var end = Clamp(_end ?? count, count);
                        for (var i = start; i < end; i += _step)
                        {
                            into.Add(sliced[i]);
                        }
                    }

                    break;
                case SegmentKind.Union:
                    if (node is JsonArray picked)
                    {
                        // -1 and Count-1 are one element: each is taken once, so no level holds more nodes than the document.
                        var taken = new HashSet<int>();
                        foreach (var raw in _union)
                        {
                            var i = raw < 0 ? picked.Count + raw : raw;
                            if (i >= 0 && i < picked.Count && taken.Add(i))
                            {
                                into.Add(picked[i]);
                            }
                        }
                    }

                    break;
            }
        }

        private static int Clamp(int bound, int count) => Math.Clamp(bound < 0 ? count + bound : bound, 0, count);
    }
}
