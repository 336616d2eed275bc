using System.Diagnostics;

namespace Samples.Bench;

/// <summary>One concurrency level of <see cref="Bench.HeadToHeadAsync"/>: the median round, and every round's AOT/ReadyToRun p50.</summary>
public sealed record HeadToHead(int Concurrency, LoadResult Jit, LoadResult Aot, double[] RoundRatios)
{
    public double Ratio => Aot.P50 / Jit.P50;

    /// <summary>Every round's ratio, lowest first.</summary>
    public string Rounds => string.Join(" ", RoundRatios.Select(r => r.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>How many rounds AOT lost, as "k of n": about half when the two builds are level.</summary>
    public string AotSlowerRounds => $"{RoundRatios.Count(r => r > 1)} of {RoundRatios.Length}";
}

/// <summary>Latencies of one load run, and its throughput.</summary>
public sealed record LoadResult(string Name, int Concurrency, double[] LatenciesMs, TimeSpan Elapsed)
{
    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public double PerSecond => LatenciesMs.Length / Elapsed.TotalSeconds;

    private double Percentile(double p)
    {
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

public static class Load
{
    /// <summary>Runs <paramref name="requests"/> calls of <paramref name="call"/> across <paramref name="concurrency"/> workers.</summary>
    public static async Task<LoadResult> RunAsync(string name, int concurrency, int requests, Func<Task> call)
    {
        var latencies = new double[requests];
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                await call();
                latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        return new LoadResult(name, concurrency, latencies, total.Elapsed);
    }
}
