using System.Text.RegularExpressions;

namespace SecurityCoach.Workflow;

/// <summary>Builds the JSON paths that validation errors point at: <c>$.States.Deliver.Retry[1].BackoffRate</c>.</summary>
internal static partial class Paths
{
    public static string Field(string parent, string name) =>
        PlainName().IsMatch(name) ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex PlainName();
}
