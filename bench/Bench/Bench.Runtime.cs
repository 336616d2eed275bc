using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>A function to run under the Lambda Runtime API: its build, its environment and the event it is fed.</summary>
internal sealed record RuntimeFunction(string Name, AppBinary Binary, Dictionary<string, string> Environment, Func<JsonObject> Event)
{
    public string Build => Binary.Native ? "Native AOT" : "ReadyToRun";
}

/// <summary>One function under the Lambda Runtime API, one build: its cold starts, warm invocations and memory.</summary>
internal sealed record RuntimeRun(string Function, string Build, List<double> ColdMs, LoadResult Warm, List<(double Anonymous, double File)> ResidentMb)
{
    public double ColdMedian => Stats.Median(ColdMs);

    public double ResidentMedian => Stats.Median(ResidentMb.Select(memory => memory.Anonymous + memory.File).ToList());

    public double AnonymousMedian => Stats.Median(ResidentMb.Select(memory => memory.Anonymous).ToList());

    public double FileMedian => Stats.Median(ResidentMb.Select(memory => memory.File).ToList());
}

internal static partial class Bench
{
    /// <summary>Cold starts per function and build (the functions of a build take turns), and warm invocations after them.</summary>
    public const int RuntimeColdStarts = 11;
    public const int RuntimeWarmInvocations = 500;

    /// <summary>Invocations before the warm ones are timed: a warm environment has served many (and the JIT has tiered up).</summary>
    public const int RuntimeWarmUpInvocations = 300;

    /// <summary>
    /// Functions run the way Lambda runs them: each process started against a fresh Runtime API (the managed build with
    /// `dotnet`, the AOT build as `bootstrap`), timed from the process start to the answer to its first event: init and
    /// first invocation, what Lambda bills as Init Duration plus the first Duration. The functions of one build take
    /// turns, the first of a round rotating, so a busy moment of this shared machine lands on all of them alike. Then,
    /// in one environment each, <see cref="RuntimeWarmUpInvocations"/> untimed events and <see cref="RuntimeWarmInvocations"/>
    /// timed ones, one after another (Lambda gives one environment one event at a time); the resident memory is read
    /// after each first invocation.
    /// </summary>
    public static async Task<List<RuntimeRun>> RuntimeAsync(IReadOnlyList<RuntimeFunction> functions)
    {
        var cold = functions.ToDictionary(function => function.Name, _ => new List<double>());
        var resident = functions.ToDictionary(function => function.Name, _ => new List<(double, double)>());
        for (var round = 0; round < RuntimeColdStarts; round++)
        {
            foreach (var function in functions.Skip(round % functions.Count).Concat(functions.Take(round % functions.Count)))
            {
                await using var runtimeApi = await LambdaRuntimeApi.StartAsync();
                var clock = Stopwatch.StartNew();
                await using var process = LambdaFunctionProcess.Start(runtimeApi, function.Binary.Path, function.Name, function.Environment);
                var first = await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30));
                cold[function.Name].Add(clock.Elapsed.TotalMilliseconds);
                Ok(function.Name, first, process);
                var (anonymous, file) = process.ResidentSplit;
                resident[function.Name].Add((anonymous / 1048576.0, file / 1048576.0));
            }
        }

        var runs = new List<RuntimeRun>();
        foreach (var function in functions)
        {
            await using var runtimeApi = await LambdaRuntimeApi.StartAsync();
            await using var process = LambdaFunctionProcess.Start(runtimeApi, function.Binary.Path, function.Name, function.Environment);
            Func<Task> invoke = async () => Ok(function.Name, await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30)), process);
            await Load.RunAsync("warm-up", 1, RuntimeWarmUpInvocations, invoke);
            await Task.Delay(TimeSpan.FromSeconds(1)); // the JIT's tier-1 compilations, queued by the warm-up, finish
            var warm = await Load.RunAsync(function.Name, 1, RuntimeWarmInvocations, invoke);
            var run = new RuntimeRun(function.Name, function.Build, cold[function.Name], warm, resident[function.Name]);
            Console.WriteLine($"  {function.Name,-12} {run.Build,-10} init + first invocation {run.ColdMedian:F0} ms (median of {RuntimeColdStarts}), "
                + $"warm p50 {run.Warm.P50:F2} ms p99 {run.Warm.P99:F2} ms, {run.ResidentMedian:F0} MB after the first invocation "
                + $"({run.AnonymousMedian:F0} MB allocated, {run.FileMedian:F0} MB of mapped files)");
            runs.Add(run);
        }

        return runs;
    }

    /// <summary>One event through a fresh environment of the function, answered with one of <paramref name="statuses"/>.</summary>
    public static async Task InvokeOnceAsync(RuntimeFunction function, JsonObject lambdaEvent, params int[] statuses)
    {
        await using var runtimeApi = await LambdaRuntimeApi.StartAsync();
        await using var process = LambdaFunctionProcess.Start(runtimeApi, function.Binary.Path, function.Name, function.Environment);
        var result = await runtimeApi.InvokeAsync(lambdaEvent.ToJsonString(), TimeSpan.FromSeconds(30));
        if (Status(result) is not { } answered || !statuses.Contains(answered))
        {
            throw Refused(function.Name, result, process);
        }
    }

    private static void Ok(string function, InvocationResult result, LambdaFunctionProcess process)
    {
        if (Status(result) != 200)
        {
            throw Refused(function, result, process);
        }
    }

    private static int? Status(InvocationResult result) => result.Succeeded ? JsonNode.Parse(result.Payload)?["statusCode"]?.GetValue<int>() : null;

    private static InvalidOperationException Refused(string function, InvocationResult result, LambdaFunctionProcess process) =>
        new($"{function} answered {result.ErrorType ?? Status(result)?.ToString(CultureInfo.InvariantCulture)}: {result.Payload}\n"
            + string.Join('\n', process.Output.TakeLast(20)));
}
