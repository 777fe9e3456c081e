namespace SecurityCoach.Benchmarks.Load;

/// <summary>Where the repository is: results and reports are written there, and tests read deploy files from it.</summary>
public static class Repository
{
    /// <summary>The directory holding SecurityCoach.sln, above the working directory or this assembly; null outside a checkout.</summary>
    public static string? Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SecurityCoach.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
