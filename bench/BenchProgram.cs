using BenchmarkDotNet.Running;
using SecurityCoach.Benchmarks.Load;

namespace SecurityCoach.Benchmarks;

/// <summary>
/// <c>micro [BenchmarkDotNet arguments]</c> runs the micro-benchmarks; <c>load --scenario NAME [options]</c> runs
/// the load generator. See bench/README.md.
/// </summary>
internal static class BenchProgram
{
    private const string Usage = """
        usage:
          dotnet run -c Release --project bench -- micro [BenchmarkDotNet arguments, e.g. --filter *Pattern* --job short]
          dotnet run -c Release --project bench -- load --scenario local|activations|aws-local|sqs-raw [options]   (--help lists them)
        """;

    public static async Task<int> Main(string[] args)
    {
        switch (args.Length == 0 ? "" : args[0])
        {
            case "micro":
                BenchmarkSwitcher.FromAssembly(typeof(BenchProgram).Assembly).Run(args[1..]);
                return 0;
            case "load":
                return await LoadCommand.RunAsync(args[1..], Console.Out, Console.Error);
            default:
                await Console.Error.WriteLineAsync(Usage);
                return 2;
        }
    }
}
