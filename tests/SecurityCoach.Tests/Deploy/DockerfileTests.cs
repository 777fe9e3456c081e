using System.Xml.Linq;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Tests.Deploy;

/// <summary>
/// The Dockerfile's build stage must copy every project the silo builds from: there is no Docker engine here to
/// build the image, and a project added later (providers/) was once missing, which only `docker build` would have
/// shown (the restore skips a missing project; the publish then fails to compile).
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string Root =
        Repository.Root() ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);

    /// <summary>The build stage's COPY sources (repository-relative, as written), each with its line index, and the RUN lines' indexes.</summary>
    private static (List<(int Line, string Source)> Copies, int Restore, int Publish) BuildStage()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile"));
        var copies = new List<(int, string)>();
        int restore = -1, publish = -1, stages = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith("FROM ", StringComparison.Ordinal) && ++stages > 1)
            {
                break;
            }

            if (line.StartsWith("COPY ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                copies.AddRange(parts[1..^1].Select(source => (i, source)));
            }
            else if (line.StartsWith("RUN dotnet restore", StringComparison.Ordinal))
            {
                restore = i;
            }
            else if (line.StartsWith("RUN dotnet publish", StringComparison.Ordinal))
            {
                publish = i;
            }
        }

        return (copies, restore, publish);
    }

    /// <summary>The silo's project and every project it references, transitively, repository-relative.</summary>
    private static SortedSet<string> SiloProjects()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.Combine(Root, "silo", "SecurityCoach.Silo.csproj")]);
        while (pending.TryPop(out var project))
        {
            if (!found.Add(Path.GetRelativePath(Root, project).Replace('\\', '/')))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', '/');
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include)));
            }
        }

        return found;
    }

    [Fact]
    public void Every_project_the_silo_builds_from_is_copied_before_the_restore_and_its_sources_before_the_publish()
    {
        var (copies, restore, publish) = BuildStage();
        Assert.True(restore >= 0 && publish > restore, "the build stage runs dotnet restore, then dotnet publish");
        var projects = SiloProjects();
        Assert.Contains("providers/SecurityCoach.Providers.Aws.csproj", projects);

        foreach (var project in projects)
        {
            var directory = project[..(project.IndexOf('/', StringComparison.Ordinal) + 1)];
            Assert.True(copies.Exists(c => c.Line < restore && c.Source == project), $"{project} is not copied before `dotnet restore`");
            Assert.True(copies.Exists(c => c.Line < publish && c.Source == directory), $"{directory} is not copied before `dotnet publish`");
        }

        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.True(copies.Exists(c => c.Line < restore && c.Source == file), $"{file} is not copied before `dotnet restore`");
        }
    }
}
