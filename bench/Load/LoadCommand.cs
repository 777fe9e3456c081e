namespace SecurityCoach.Benchmarks.Load;

/// <summary><c>load</c>: parses the options, runs the scenario against a target or an in-process silo, reports.</summary>
public static class LoadCommand
{
    /// <summary>Runs a scenario; the last line written to <paramref name="output"/> is the RESULT line. 0 when the run had no errors.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter log, CancellationToken cancellationToken = default)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await log.WriteLineAsync($"load: {e.Message}\n\n{LoadOptions.Help}");
            return 2;
        }

        if (options.ShowHelp)
        {
            await output.WriteLineAsync(LoadOptions.Help);
            return 0;
        }

        var (report, path) = await RunAsync(options, output, log, cancellationToken);
        await output.WriteLineAsync($"results: {path}");
        await output.WriteLineAsync(report.ResultLine());
        return report.Errors == 0 ? 0 : 1;
    }

    /// <summary>Runs a scenario and writes its JSON file; for callers (tests) that want the report itself.</summary>
    public static async Task<(LoadReport Report, string Path)> RunAsync(LoadOptions options, TextWriter output, TextWriter log, CancellationToken cancellationToken = default)
    {
        InProcessSilo? silo = null;
        using var allocations = options.AllocTypes > 0 ? new AllocationSampler() : null;
        try
        {
            if (options.Target is null)
            {
                await log.WriteLineAsync("load: starting the silo in this process");
                silo = await InProcessSilo.StartAsync(options.SiloLogLevel);
            }

            var report = options.Scenario switch
            {
                "activations" => await new ActivationsScenario(options, silo!, log).RunAsync(cancellationToken),
                _ => await new LocalScenario(options, options.Target ?? silo!.BaseAddress, options.AdminKey ?? silo!.AdminKey, log).RunAsync(cancellationToken),
            };
            await output.WriteLineAsync(report.Summary());
            if (allocations is not null)
            {
                await output.WriteLineAsync("allocated (sampled, whole run), by type:");
                foreach (var (type, percent) in allocations.Top(options.AllocTypes))
                {
                    await output.WriteLineAsync($"  {percent,5:0.0} %  {type}");
                }
            }

            return (report, await report.WriteAsync(options.Out));
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
