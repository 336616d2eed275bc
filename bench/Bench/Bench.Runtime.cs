using System.Diagnostics;
using System.Text.Json.Nodes;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>One function under the Lambda Runtime API, one build: its cold starts, warm invocations and memory.</summary>
internal sealed record RuntimeRun(string Function, string Build, List<double> ColdMs, LoadResult Warm, List<double> ResidentMb)
{
    public double ColdMedian => Stats.Median(ColdMs);

    public double ResidentMedian => Stats.Median(ResidentMb);
}

internal static partial class Bench
{
    /// <summary>Cold starts per function and build, and warm invocations after one of them.</summary>
    public const int RuntimeColdStarts = 5;
    public const int RuntimeWarmInvocations = 500;

    /// <summary>
    /// A function run the way Lambda runs it: its process started against a fresh Runtime API (the managed build with
    /// `dotnet`, the AOT build as `bootstrap`), timed from the process start to the answer to its first event: init and
    /// first invocation, what Lambda bills as Init Duration plus the first Duration. Then, in the last environment,
    /// <see cref="RuntimeWarmInvocations"/> events one after another (Lambda gives one environment one event at a time),
    /// and the resident memory after the first invocation.
    /// </summary>
    public static async Task<RuntimeRun> RuntimeAsync(string function, AppBinary binary, Dictionary<string, string> environment, Func<JsonObject> lambdaEvent)
    {
        var cold = new List<double>();
        var resident = new List<double>();
        LoadResult? warm = null;
        for (var start = 0; start < RuntimeColdStarts; start++)
        {
            await using var runtimeApi = await LambdaRuntimeApi.StartAsync();
            var clock = Stopwatch.StartNew();
            await using var process = LambdaFunctionProcess.Start(runtimeApi, binary.Path, function, environment);
            var first = await runtimeApi.InvokeAsync(lambdaEvent().ToJsonString(), TimeSpan.FromSeconds(30));
            cold.Add(clock.Elapsed.TotalMilliseconds);
            Ok(function, first, process);
            resident.Add(process.ResidentBytes / 1024.0 / 1024.0);
            if (start == RuntimeColdStarts - 1)
            {
                warm = await Load.RunAsync(function, 1, RuntimeWarmInvocations, async () =>
                    Ok(function, await runtimeApi.InvokeAsync(lambdaEvent().ToJsonString(), TimeSpan.FromSeconds(30)), process));
            }
        }

        var run = new RuntimeRun(function, binary.Native ? "Native AOT" : "ReadyToRun", cold, warm!, resident);
        Console.WriteLine($"  {function,-12} {run.Build,-10} init + first invocation {run.ColdMedian:F0} ms (median of {RuntimeColdStarts}), "
            + $"warm p50 {run.Warm.P50:F2} ms p99 {run.Warm.P99:F2} ms, {run.ResidentMedian:F0} MB after the first invocation");
        return run;
    }

    private static void Ok(string function, InvocationResult result, LambdaFunctionProcess process)
    {
        var status = result.Succeeded ? JsonNode.Parse(result.Payload)?["statusCode"]?.GetValue<int>() : null;
        if (status != 200)
        {
            throw new InvalidOperationException($"{function} answered {result.ErrorType ?? status?.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {result.Payload}\n"
                + string.Join('\n', process.Output.TakeLast(20)));
        }
    }
}
