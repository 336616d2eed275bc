using System.Text;

namespace Samples.Bench;

public static class Stats
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>docs/performance.md: the figures, the ratios, and the machine they were measured on.</summary>
internal sealed partial class Report
{
    public const double WarmTarget = 1.3;

    /// <summary>ReadyToRun (managed runtime) cold start against the bare app.</summary>
    public const double ColdTarget = 1.5;

    /// <summary>Native AOT cold start against the bare (JIT) app.</summary>
    public const double AotColdTarget = 0.5;

    /// <summary>Native AOT warm p50 against the ReadyToRun build's: no worse.</summary>
    public const double AotWarmTarget = 1.0;

    public Dictionary<string, List<(LoadResult Floor, LoadResult App)>> Warm { get; } = [];

    public Dictionary<string, List<HeadToHead>> WarmAot { get; } = [];

    public Dictionary<string, ColdRuns> Cold { get; } = [];

    /// <summary>Bytes in the function package: the ReadyToRun publish folder, and the AOT executable.</summary>
    public Dictionary<string, (long Jit, long Aot)> PackageBytes { get; } = [];

    public LoadResult? HttpFloor { get; set; }

    public string Summary() => string.Join(Environment.NewLine, Warm.Keys.Select(route =>
    {
        var warm = Warm[route].Max(run => run.App.P50 / run.Floor.P50);
        var cold = Cold[route];
        var aotWarm = AotWarmRatio(route);
        return $"{route}: warm p50 worst {warm:F2}x GetItem ({Met(warm, WarmTarget)}, target {WarmTarget}x); "
            + $"cold start ReadyToRun {cold.JitRatio:F2}x bare authenticated read ({Met(cold.JitRatio, ColdTarget)}, target {ColdTarget}x), "
            + $"Native AOT {cold.AotRatio:F2}x ({Met(cold.AotRatio, AotColdTarget)}, target {AotColdTarget}x); "
            + $"AOT warm p50 {aotWarm:F2}x ReadyToRun ({Met(aotWarm, AotWarmTarget)}, target {AotWarmTarget}x)";
    }));

    private static string Met(double ratio, double target) => ratio <= target ? "met" : "NOT met";

    /// <summary>Worst concurrency level of AOT p50 over ReadyToRun p50, measured head to head (Bench.HeadToHeadAsync).</summary>
    public double AotWarmRatio(string route) => WarmAot[route].Max(level => level.Ratio);

    public string ToMarkdown()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
        var memory = File.Exists("/proc/meminfo")
            ? $"{long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024} GiB"
            : "unknown";
        var text = new StringBuilder();
        text.AppendLine("# Performance");
        text.AppendLine();
        text.AppendLine("Written by `make bench` (bench/Bench). Every figure is compared with a floor measured in the same run on");
        text.AppendLine("the same machine: warm latency with a raw DynamoDB `GetItem` of the same item (consistent read, as the apps");
        text.AppendLine("do), cold start with a bare minimal-API app doing the same authenticated read, started the same way. Absolute");
        text.AppendLine("numbers depend on the machine and on DynamoDB Local; the ratios are what to watch.");
        text.AppendLine();
        text.AppendLine($"- Machine: {Environment.ProcessorCount} cores ({cpu}), {memory} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        text.AppendLine($"- .NET {Environment.Version}; apps published as `sam build` packages a function: Release, ReadyToRun and");
        text.AppendLine("  framework-dependent (the managed `dotnet10` runtime), or `NativeAot=true` (one executable, `bootstrap`, as on");
        text.AppendLine("  `provided.al2023`); on Kestrel on loopback; DynamoDB Local (in memory) and the Cognito emulator on loopback");
        text.AppendLine("- The Users route carries a real (emulated) Cognito ID token, validated by the app on every request");
        text.AppendLine($"- Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        foreach (var (route, runs) in Warm)
        {
            text.AppendLine();
            text.AppendLine($"## Warm `{route}` against raw `GetItem`");
            text.AppendLine();
            text.AppendLine($"{runs[0].App.LatenciesMs.Length} requests per run after a warm-up, both paths from the benchmark process; floor and app");
            text.AppendLine($"take turns in {Bench.Rounds} rounds per concurrency level (who goes first alternates) and the round with the median ratio is shown.");
            text.AppendLine();
            text.AppendLine("| concurrency | GetItem p50 | GetItem p99 | GetItem req/s | app p50 | app p99 | app req/s | p50 ratio | target ≤ 1.3 |");
            text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |");
            foreach (var (floor, app) in runs)
            {
                var ratio = app.P50 / floor.P50;
                text.AppendLine($"| {floor.Concurrency} | {floor.P50:F2} ms | {floor.P99:F2} ms | {floor.PerSecond:F0} | {app.P50:F2} ms | {app.P99:F2} ms | {app.PerSecond:F0} | {ratio:F2} | {(ratio <= WarmTarget ? "met" : "not met")} |");
            }
        }

        if (HttpFloor is not null)
        {
            text.AppendLine();
            text.AppendLine($"For context: one HTTP round trip to a bare minimal API that does no I/O takes p50 {HttpFloor.P50:F2} ms (c=1) here.");
        }

        foreach (var (route, runs) in WarmAot)
        {
            text.AppendLine();
            text.AppendLine($"## Warm `{route}`: Native AOT against ReadyToRun");
            text.AppendLine();
            text.AppendLine($"Head to head: both builds run at once against the same DynamoDB Local and take turns, {Bench.Rounds} rounds of");
            text.AppendLine($"{Bench.RequestsPerRun} requests each per concurrency (who goes first alternates), so a busy moment lands on both. The");
            text.AppendLine("ratio is the median round's AOT p50 / ReadyToRun p50; every round's ratio is listed to show the spread, and how");
            text.AppendLine("many rounds AOT lost: a true tie loses about half of them.");
            text.AppendLine();
            text.AppendLine("| concurrency | ReadyToRun p50 | ReadyToRun p99 | AOT p50 | AOT p99 | AOT req/s | AOT / ReadyToRun p50 | rounds | AOT slower in | target ≤ 1.0 |");
            text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | :---: |");
            foreach (var level in runs)
            {
                var (jit, aot) = (level.Jit, level.Aot);
                text.AppendLine($"| {level.Concurrency} | {jit.P50:F2} ms | {jit.P99:F2} ms | {aot.P50:F2} ms | {aot.P99:F2} ms | {aot.PerSecond:F0} | {level.Ratio:F2} | "
                    + $"{level.Rounds} | {level.AotSlowerRounds} | {(level.Ratio <= AotWarmTarget ? "met" : "not met")} |");
            }
        }

        text.AppendLine();
        text.AppendLine("## Cold start: process start to first authenticated 200 with a read");
        text.AppendLine();
        text.AppendLine($"{Cold.Values.First().Bare.Count} starts of each, in turn, all started the same way (`dotnet <app>.dll`, or `./bootstrap` for");
        text.AppendLine("Native AOT) and polled every 2 ms. Every request carries the same valid Cognito ID token, so each first 200");
        text.AppendLine("includes fetching the pool's signing keys, validating the token, creating the DynamoDB client and its first call.");
        text.AppendLine("The floor is the **bare app** (bench/BareApp): a minimal API that does only that job, JwtBearer and one `GetItem`");
        text.AppendLine("on `GET /me`, ReadyToRun. Its hello-world route (no token, no I/O) is shown for context. Memory is the");
        text.AppendLine("resident set (VmRSS) right after the first 200: what Lambda reports as Max Memory Used.");
        text.AppendLine();
        text.AppendLine("| route | bare hello | bare read | ReadyToRun | Native AOT | ReadyToRun / bare read (≤ 1.5) | AOT / bare read (≤ 0.5) | memory bare read / ReadyToRun / AOT | package ReadyToRun / AOT |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (route, runs) in Cold)
        {
            var (jitBytes, aotBytes) = PackageBytes[route];
            text.AppendLine($"| `{route}` | {runs.Median(runs.Hello):F0} ms | {runs.Median(runs.Bare):F0} ms | {runs.Median(runs.Jit):F0} ms | {runs.Median(runs.Aot):F0} ms "
                + $"| {runs.JitRatio:F2} {(runs.JitRatio <= ColdTarget ? "met" : "not met")} | {runs.AotRatio:F2} {(runs.AotRatio <= AotColdTarget ? "met" : "not met")} "
                + $"| {runs.MedianResidentMb(runs.Bare):F0} / {runs.MedianResidentMb(runs.Jit):F0} / {runs.MedianResidentMb(runs.Aot):F0} MB "
                + $"| {jitBytes / 1048576.0:F1} / {aotBytes / 1048576.0:F1} MB |");
        }

        text.AppendLine();
        text.AppendLine("Against the hello world instead: " + string.Join("; ", Cold.Select(pair =>
            $"`{pair.Key}` ReadyToRun {pair.Value.Median(pair.Value.Jit) / pair.Value.Median(pair.Value.Hello):F2}x, AOT {pair.Value.Median(pair.Value.Aot) / pair.Value.Median(pair.Value.Hello):F2}x")) + ".");
        text.AppendLine("Ranges (min–max, ms): " + string.Join("; ", Cold.Select(pair =>
            $"`{pair.Key}` bare read {pair.Value.Bare.Min(s => s.Ms):F0}–{pair.Value.Bare.Max(s => s.Ms):F0}, "
            + $"ReadyToRun {pair.Value.Jit.Min(s => s.Ms):F0}–{pair.Value.Jit.Max(s => s.Ms):F0}, "
            + $"AOT {pair.Value.Aot.Min(s => s.Ms):F0}–{pair.Value.Aot.Max(s => s.Ms):F0}")) + ".");
        text.AppendLine();
        text.Append(LambdaContext);

        if (Runtime.Count > 0)
        {
            text.AppendLine();
            text.AppendLine();
            text.Append(RuntimeSection());
        }

        //#if (IncludeChat)
        if (Broadcasts.Count > 0)
        {
            text.AppendLine();
            text.Append(ChatSection());
        }

        //#endif
        if (Runtime.Count > 0)
        {
            text.AppendLine();
            text.Append(CostSection());
        }


        return text.ToString();
    }

    /// <summary>What the figures mean in Lambda, and the published figures they sit beside (not measured here).</summary>
    private const string LambdaContext = """
        ### What this means in Lambda

        - A Lambda cold start is the init phase (process start, runtime start, the app's start-up code) plus the
          first invocation. "Process start to first 200" measures the same two things on Kestrel; the Lambda
          runtime's own start and the event marshalling are not in it, so the absolute times differ, the ratios carry.
        - **Native AOT** (`NativeAot=true`: `provided.al2023`, arm64) removes JIT compilation and the runtime's
          start: the ratio to the bare JIT app is the fraction of a .NET cold start that remains. Memory after the
          first request is the Max Memory Used to size the function by; the package size is the zip Lambda loads.
        - **ReadyToRun** on the managed `dotnet10` runtime still JIT-compiles generic instantiations across
          assemblies and everything ReadyToRun cannot pregenerate; that is most of the gap to the bare app.
          SnapStart (`EnableSnapStart=true`) takes that work out of the cold start altogether: the warm-up
          requests run before the snapshot and a cold start restores it. SnapStart cannot be measured here.
        - **Warm**: AOT code has no tiered re-JIT and no dynamic PGO, so its steady-state p50 can be a little
          behind a fully warmed JIT; the AOT/ReadyToRun rows say whether it is, on each route. A `perf` profile of
          `GET /products/{id}` shows where: interface dispatch and type checks that the JIT's guarded
          devirtualization removes (the AWS SDK's handler pipeline is generic virtual calls throughout), and the
          per-request framework services (authentication handler, CORS policy provider) that dependency injection
          builds by reflection under AOT and with compiled code under the JIT. `OptimizationPreference=Speed` and
          this machine's own instruction set did not move the ratio beyond its noise. In Lambda an environment
          serves one request at a time (the c=1 row) and a DynamoDB call takes milliseconds, not the fraction of
          one it takes here, so the same CPU difference is a smaller share of the p50.

        ### Published figures, for context (not measured here)

        - lambda-perf (maxday.github.io/lambda-perf), hello-world functions at 512 MB: the managed `dotnet10`
          runtime about 430 ms init plus first invoke; Native AOT on `provided.al2023` about 65–77 ms.
        - AWS's serverless-dotnet-demo repository: an ASP.NET Core minimal API with Native AOT about 500 ms p50 cold start,
          against about 330 ms for plain AOT function handlers (no ASP.NET Core).

        These are other people's numbers on real Lambda; ours are local ratios. They agree in direction: AOT is
        several times faster to start, and ASP.NET Core's own start-up is a visible part of what remains.
        """;
}
