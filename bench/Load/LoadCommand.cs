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
        if (report.CostLine() is { } cost)
        {
            await output.WriteLineAsync(cost);
        }

        await output.WriteLineAsync(report.ResultLine());
        return report.Errors == 0 ? 0 : 1;
    }

    /// <summary>Runs a scenario and writes its JSON file; for callers (tests) that want the report itself.</summary>
    public static async Task<(LoadReport Report, string Path)> RunAsync(LoadOptions options, TextWriter output, TextWriter log, CancellationToken cancellationToken = default)
    {
        using var allocations = options.AllocTypes > 0 ? new AllocationSampler() : null;
        // aws-local always counts its AWS requests, for the COST line.
        using var calls = options.HttpCalls > 0 || options.Scenario == "aws-local" ? new HttpCallCounter() : null;
        var report = options.Scenario switch
        {
            "aws-local" or "sqs-raw" => await RunOnLocalAwsAsync(options, output, log, calls, cancellationToken),
            "http-raw" => await new HttpRawScenario(options, log).RunAsync(cancellationToken),
            _ => await RunOnLocalSiloAsync(options, log, calls, cancellationToken),
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

        if (report.Ceiling is { } ceiling)
        {
            await output.WriteLineAsync(ceiling.RatioLine());
        }

        return (report, await report.WriteAsync(options.Out));
    }

    private static async Task<LoadReport> RunOnLocalSiloAsync(LoadOptions options, TextWriter log, HttpCallCounter? calls, CancellationToken cancellationToken)
    {
        InProcessSilo? silo = null;
        try
        {
            if (options.Target is null)
            {
                await log.WriteLineAsync("load: starting the silo in this process");
                silo = await InProcessSilo.StartAsync(options.SiloLogLevel);
            }

            using var meters = silo is not null && options.Scenario == "local" ? new PipelineMeters(silo.GrainContexts) : null;

            return options.Scenario switch
            {
                "activations" => await new ActivationsScenario(options, silo!, log).RunAsync(cancellationToken),
                "workflow" => await new WorkflowScenario(options, silo!, log).RunAsync(cancellationToken),
                _ => await new LocalScenario(options, options.Target ?? silo!.BaseAddress, options.AdminKey ?? silo!.AdminKey, log, calls: calls, meters: meters).RunAsync(cancellationToken),
            };
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// sqs-raw, and aws-local with sqs-raw first on the same SQS endpoint (its report and RESULT line are written on the
    /// way, and the aws-local report carries the comparison). Without endpoints the emulators of deploy/local are
    /// started here and stopped at the end.
    /// </summary>
    private static async Task<LoadReport> RunOnLocalAwsAsync(LoadOptions options, TextWriter output, TextWriter log, HttpCallCounter? calls, CancellationToken cancellationToken)
    {
        LocalAwsEmulators? emulators = null;
        InProcessSilo? silo = null;
        try
        {
            if (options.SqsUrl is null)
            {
                await log.WriteLineAsync("load: starting the local AWS emulators (deploy/local)");
                emulators = await LocalAwsEmulators.StartAsync();
                await log.WriteLineAsync($"load: fauxqs (SQS, S3) on {emulators.SqsServiceUrl}, DynamoDB Local on {emulators.DynamoDBServiceUrl}");
            }

            var sqs = options.SqsUrl ?? emulators!.SqsServiceUrl;
            var raw = await new SqsRawScenario(options with { Scenario = "sqs-raw" }, sqs, emulators, log, calls).RunAsync(cancellationToken);
            if (options.Scenario == "sqs-raw")
            {
                return raw;
            }

            await output.WriteLineAsync(raw.Summary());
            var rawPath = await raw.WriteAsync(options.Out is { } path ? Path.ChangeExtension(path, ".sqs-raw.json") : null);
            await output.WriteLineAsync($"results: {rawPath}");
            await output.WriteLineAsync(raw.ResultLine());

            PipelineMeters? meters = null;
            if (options.Target is null)
            {
                await log.WriteLineAsync("load: starting the silo in this process, AwsLocal profile");
                var run = Guid.NewGuid().ToString("N")[..8];
                var settings = LocalAwsEmulators.AwsLocalSettings(run, options.DynamoDBUrl ?? emulators!.DynamoDBServiceUrl, sqs, options.Queues);
                silo = await InProcessSilo.StartAsync(options.SiloLogLevel, settings);
                meters = new PipelineMeters(silo.GrainContexts, [settings["SecurityCoach:Aws:GrainStateTable"], settings["SecurityCoach:Aws:RemindersTable"]]);
                calls!.CountAws(options.DynamoDBUrl ?? emulators!.DynamoDBServiceUrl, sqs);
            }

            using var disposeMeters = meters;
            var report = await new LocalScenario(options, options.Target ?? silo!.BaseAddress, options.AdminKey ?? silo!.AdminKey, log, emulators, calls, meters)
                .RunAsync(cancellationToken);
            return report with { Ceiling = CeilingComparison.Of(raw, rawPath, report) };
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }

            if (emulators is not null)
            {
                await emulators.DisposeAsync();
            }
        }
    }
}
