using System.Text.Json;

namespace SecurityCoach.Tests.Deploy;

/// <summary>
/// The silo runs Server GC without DATAS (silo/SecurityCoach.Silo.csproj, bench/README.md "GC mode"), and the load
/// generator, which hosts the silo in its own process, runs the same GC, or its figures would not be the silo's.
/// Read from the runtimeconfig.json files the build puts beside this test assembly.
/// </summary>
public sealed class GcSettingsTests
{
    [Theory]
    [InlineData("SecurityCoach.Silo")]
    [InlineData("SecurityCoach.Benchmarks")]
    public void Runs_server_GC_without_dynamic_adaptation(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, $"{assembly}.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (dotnet build) before the tests");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.GC.DynamicAdaptationMode").GetInt32());
    }
}
