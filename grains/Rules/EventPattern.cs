using System.Text.Json;

namespace SecurityCoach.Rules;

/// <summary>
/// An Amazon EventBridge event pattern, compiled once into a tree of small matchers. <see cref="Matches"/> is
/// thread-safe and allocates nothing, so one instance serves every event of a campaign. See README.md beside
/// this file for the supported language and where it departs from EventBridge.
/// </summary>
public sealed class EventPattern
{
    private readonly ObjectMatcher _root;

    private EventPattern(ObjectMatcher root) => _root = root;

    /// <summary>Parses and compiles pattern JSON text.</summary>
    /// <exception cref="PatternException">The text is not JSON, or not a valid pattern.</exception>
    public static EventPattern Parse(string patternJson)
    {
        if (string.IsNullOrWhiteSpace(patternJson))
        {
            throw new PatternException("$", "pattern is required");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(patternJson);
        }
        catch (JsonException e)
        {
            throw new PatternException("$", $"pattern is not valid JSON: {e.Message}");
        }

        using (document)
        {
            return Compile(document.RootElement);
        }
    }

    /// <summary>Compiles a pattern. The result keeps nothing of <paramref name="pattern"/>'s document.</summary>
    /// <exception cref="PatternException">The pattern is not valid.</exception>
    public static EventPattern Compile(JsonElement pattern) => new(PatternCompiler.Compile(pattern));

    /// <summary>Whether the event matches. Anything but a JSON object is not an event and never matches.</summary>
    /// <param name="evt">The event's root JSON object.</param>
    public bool Matches(JsonElement evt) => evt.ValueKind == JsonValueKind.Object && _root.Matches(evt);
}
