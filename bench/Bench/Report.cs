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
public sealed class Report
{
    public const double WarmTarget = 1.3;
    public const double ColdTarget = 1.5;

    public Dictionary<string, List<(LoadResult Floor, LoadResult App)>> Warm { get; } = [];

    public Dictionary<string, (List<double> App, List<double> Bare)> Cold { get; } = [];

    public LoadResult? HttpFloor { get; set; }

    /// <summary>Broadcast latencies (send to last receipt, ms, sorted) by number of clients in the room.</summary>
    public Dictionary<int, double[]> Broadcasts { get; } = [];

    public string Summary() => string.Join(Environment.NewLine, Warm.Keys.Select(route =>
    {
        var warm = Warm[route].Max(run => run.App.P50 / run.Floor.P50);
        var cold = Stats.Median(Cold[route].App) / Stats.Median(Cold[route].Bare);
        return $"{route}: warm p50 worst {warm:F2}x GetItem ({(warm <= WarmTarget ? "met" : "NOT met")}, target {WarmTarget}x); "
            + $"cold start {cold:F2}x bare app ({(cold <= ColdTarget ? "met" : "NOT met")}, target {ColdTarget}x)";
    }));

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
        text.AppendLine("do), cold start with a bare minimal-API app started the same way. Absolute numbers depend on the machine");
        text.AppendLine("and on DynamoDB Local; the ratios are what to watch.");
        text.AppendLine();
        text.AppendLine($"- Machine: {Environment.ProcessorCount} cores ({cpu}), {memory} memory, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        text.AppendLine($"- .NET {Environment.Version}; apps published as `sam build` packages a function (Release, ReadyToRun,");
        text.AppendLine("  framework-dependent), on Kestrel on loopback; DynamoDB Local (in memory) and the Cognito emulator on loopback");
        text.AppendLine("- The Users route carries a real (emulated) Cognito ID token, validated by the app on every request");
        text.AppendLine($"- Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        foreach (var (route, runs) in Warm)
        {
            text.AppendLine();
            text.AppendLine($"## Warm `{route}` against raw `GetItem`");
            text.AppendLine();
            text.AppendLine($"{runs[0].App.LatenciesMs.Length} requests per run after a warm-up, both paths from the benchmark process; floor and app");
            text.AppendLine("alternate three times per concurrency level and the round with the median ratio is shown.");
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

        text.AppendLine();
        text.AppendLine("## Cold start: process start to first 200");
        text.AppendLine();
        text.AppendLine($"{Cold.Values.First().App.Count} starts of each app, alternating with the bare app; `dotnet <app>.dll`, polling every 2 ms.");
        text.AppendLine("Each app's first 200 is its real route, so it includes creating the DynamoDB client and its first call");
        text.AppendLine("(and, for Users, fetching the pool's signing keys and validating the token).");
        text.AppendLine();
        text.AppendLine("| route | app median | app min–max | bare median | bare min–max | ratio | target ≤ 1.5 |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | :---: |");
        foreach (var (route, (app, bare)) in Cold)
        {
            var ratio = Stats.Median(app) / Stats.Median(bare);
            text.AppendLine($"| `{route}` | {Stats.Median(app):F0} ms | {app.Min():F0}–{app.Max():F0} ms | {Stats.Median(bare):F0} ms | {bare.Min():F0}–{bare.Max():F0} ms | {ratio:F2} | {(ratio <= ColdTarget ? "met" : "not met")} |");
        }

        if (Broadcasts.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("## Chat broadcast: send to last receipt");
            text.AppendLine();
            text.AppendLine("One client sends `sendMessage`; the time runs until every client of the room, the sender included, has");
            text.AppendLine("received it. Through the local WebSocket gateway emulator (each delivery is a POST to its /@connections),");
            text.AppendLine("DynamoDB Local for the room query, 32 deliveries in parallel. Two warm-up broadcasts are not counted.");
            text.AppendLine();
            text.AppendLine("| clients in the room | broadcasts | p50 | p99 | per delivery (p50) |");
            text.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
            foreach (var (clients, sorted) in Broadcasts)
            {
                var p99 = sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1];
                text.AppendLine($"| {clients} | {sorted.Length} | {Stats.Median(sorted):F1} ms | {p99:F1} ms | {Stats.Median(sorted) / clients * 1000:F0} µs |");
            }
        }

        return text.ToString();
    }
}
