namespace SecurityCoach.Rules;

/// <summary>
/// An event pattern that cannot be compiled. <see cref="Exception.Message"/> is a short sentence naming the
/// problem, <see cref="Path"/> points at the offending part of the pattern.
/// </summary>
public sealed class PatternException : Exception
{
    internal PatternException(string path, string message)
        : base(message)
    {
        Path = path;
    }

    /// <summary>JSON path of the offending part inside the pattern, e.g. <c>$.severity_id[0].numeric</c>; <c>$</c> for the root.</summary>
    public string Path { get; }
}
