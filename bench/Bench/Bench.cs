using System.Net.Http.Json;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>The measurements: warm latency and cold start of a service against their floors (chat broadcasts: Bench.Broadcast.cs).</summary>
internal static partial class Bench
{
    public const int ColdStarts = 7;

    // Warm runs take turns in short rounds, so a drift of this small, shared machine lands on both sides alike;
    // the round with the median ratio is the figure.
    public const int RequestsPerRun = 1000;
    public const int Rounds = 9;
    public static readonly int[] Concurrency = [1, 4, 16];

    /// <summary>The ReadyToRun build's warm p50 against a raw GetItem of the same item (the floor), in turns.</summary>
    public static async Task<List<(LoadResult Floor, LoadResult App)>> WarmAsync(
        BenchedService service, Dictionary<string, string> environment, Amazon.DynamoDBv2.IAmazonDynamoDB dynamoDb)
    {
        var port = DynamoDbLocal.FreePort();
        using var app = Apps.Start(service.Jit, port, environment); // the AOT build: HeadToHeadAsync
        using var http = Apps.Client(port, service.Token);
        await Apps.WaitForOkAsync(http, "/health", TimeSpan.FromSeconds(60));
        if (service.Seed is not null)
        {
            // The first run creates the profile; a later one finds it there (409).
            using var seeded = await http.PostAsJsonAsync("/users", service.Seed);
            if (seeded.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                seeded.EnsureSuccessStatusCode();
            }
        }

        await Apps.WaitForOkAsync(http, service.Path, TimeSpan.FromSeconds(30));
        Func<Task> floor = async () => await dynamoDb.GetItemAsync(service.Floor);
        var api = Apps.Get(http, service.Path);

        // Warm both paths (JIT, connection pools) before measuring.
        await Load.RunAsync("warm-up", 8, 2000, floor);
        await Load.RunAsync("warm-up", 8, 2000, api);
        var results = new List<(LoadResult, LoadResult)>();
        foreach (var concurrency in Concurrency)
        {
            var rounds = new List<(LoadResult Floor, LoadResult App)>();
            for (var round = 0; round < Rounds; round++)
            {
                rounds.Add(await TakeTurnsAsync(round, concurrency, ("GetItem", floor), (service.Route, api)));
            }

            var (floorResult, appResult) = rounds.OrderBy(r => r.App.P50 / r.Floor.P50).ElementAt(Rounds / 2);
            results.Add((floorResult, appResult));
            Console.WriteLine($"  ReadyToRun c={concurrency,-3} GetItem p50 {floorResult.P50:F2} ms, app p50 {appResult.P50:F2} ms, ratio {appResult.P50 / floorResult.P50:F2} (median of {Rounds} rounds)");
        }

        app.Kill(entireProcessTree: true);
        return results;
    }

    /// <summary>One round of two loads, one after the other; who goes first alternates with the round. Results in (a, b) order.</summary>
    private static async Task<(LoadResult A, LoadResult B)> TakeTurnsAsync(
        int round, int concurrency, (string Name, Func<Task> Call) a, (string Name, Func<Task> Call) b)
    {
        if (round % 2 == 0)
        {
            var first = await Load.RunAsync(a.Name, concurrency, RequestsPerRun, a.Call);
            return (first, await Load.RunAsync(b.Name, concurrency, RequestsPerRun, b.Call));
        }

        var second = await Load.RunAsync(b.Name, concurrency, RequestsPerRun, b.Call);
        return (await Load.RunAsync(a.Name, concurrency, RequestsPerRun, a.Call), second);
    }

    /// <summary>
    /// Native AOT against ReadyToRun, head to head: both builds run at once against the same DynamoDB Local, and
    /// at each concurrency they take turns (<see cref="Rounds"/> rounds each, the first of a pair
    /// alternating), so a busy moment of this machine lands on both. The ratio is the median over rounds of AOT
    /// p50 / ReadyToRun p50 within a round.
    /// </summary>
    public static async Task<List<HeadToHead>> HeadToHeadAsync(BenchedService service, Dictionary<string, string> environment)
    {
        var (jitPort, aotPort) = (DynamoDbLocal.FreePort(), DynamoDbLocal.FreePort());
        using var jitApp = Apps.Start(service.Jit, jitPort, environment);
        using var aotApp = Apps.Start(service.Aot, aotPort, environment);
        using var jitHttp = Apps.Client(jitPort, service.Token);
        using var aotHttp = Apps.Client(aotPort, service.Token);
        await Apps.WaitForOkAsync(jitHttp, service.Path, TimeSpan.FromSeconds(60));
        await Apps.WaitForOkAsync(aotHttp, service.Path, TimeSpan.FromSeconds(60));
        var (jit, aot) = (Apps.Get(jitHttp, service.Path), Apps.Get(aotHttp, service.Path));

        // Warm both (tiered JIT and PGO for ReadyToRun, connection pools for both) before measuring.
        await Load.RunAsync("warm-up", 8, 4000, jit);
        await Load.RunAsync("warm-up", 8, 4000, aot);
        var results = new List<HeadToHead>();
        foreach (var concurrency in Concurrency)
        {
            var rounds = new List<(LoadResult Jit, LoadResult Aot)>();
            for (var round = 0; round < Rounds; round++)
            {
                rounds.Add(await TakeTurnsAsync(round, concurrency, ("ReadyToRun", jit), ("Native AOT", aot)));
            }

            var median = rounds.OrderBy(r => r.Aot.P50 / r.Jit.P50).ElementAt(Rounds / 2);
            var result = new HeadToHead(concurrency, median.Jit, median.Aot, [.. rounds.Select(r => r.Aot.P50 / r.Jit.P50).Order()]);
            results.Add(result);
            Console.WriteLine($"  AOT vs ReadyToRun c={concurrency,-3} p50 {result.Aot.P50:F2} ms vs {result.Jit.P50:F2} ms, ratio {result.Ratio:F2} "
                + $"(median of {Rounds} rounds: {result.Rounds}; AOT slower in {result.AotSlowerRounds})");
        }

        jitApp.Kill(entireProcessTree: true);
        aotApp.Kill(entireProcessTree: true);
        return results;
    }

    /// <summary>
    /// The floors and both builds, started in turn (so a busy moment hits all alike): the bare app's hello world, the
    /// bare app doing the same job (an authenticated GetItem, GET /me), then the service's ReadyToRun and
    /// AOT builds on its route, each request carrying the same valid token.
    /// </summary>
    public static async Task<ColdRuns> ColdAsync(BenchedService service, AppBinary bare, string token, Dictionary<string, string> environment)
    {
        var runs = new ColdRuns([], [], [], []);
        var bareEnvironment = new Dictionary<string, string>(environment) { ["Floor__TableName"] = "BenchFloor" };
        for (var i = 0; i < ColdStarts; i++)
        {
            runs.Hello.Add(await Apps.ColdStartAsync(bare, "/products/x", null, environment));
            runs.Bare.Add(await Apps.ColdStartAsync(bare, "/me", token, bareEnvironment));
            runs.Jit.Add(await Apps.ColdStartAsync(service.Jit, service.Path, token, environment));
            runs.Aot.Add(await Apps.ColdStartAsync(service.Aot, service.Path, token, environment));
        }

        Console.WriteLine($"  {service.Name}: bare hello {runs.Median(runs.Hello):F0} ms, bare authenticated read {runs.Median(runs.Bare):F0} ms, "
            + $"ReadyToRun {runs.Median(runs.Jit):F0} ms ({runs.JitRatio:F2}x), Native AOT {runs.Median(runs.Aot):F0} ms ({runs.AotRatio:F2}x)");
        return runs;
    }

    /// <summary>Context, not a target: one HTTP round trip to a minimal API that does no I/O.</summary>
    public static async Task<LoadResult> HttpFloorAsync(AppBinary bareDll, Dictionary<string, string> environment)
    {
        var port = DynamoDbLocal.FreePort();
        using var bare = Apps.Start(bareDll, port, environment);
        using var http = Apps.Client(port, null);
        await Apps.WaitForOkAsync(http, "/products/x", TimeSpan.FromSeconds(60));
        Func<Task> call = async () => (await http.GetAsync("/products/x")).Dispose();
        await Load.RunAsync("warm-up", 8, 2000, call);
        var result = await Load.RunAsync("bare GET", 1, RequestsPerRun, call);
        bare.Kill(entireProcessTree: true);
        return result;
    }
}

/// <summary>
/// Cold starts of one service: the bare app's hello world (context), the bare app doing an authenticated read (the
/// floor the targets use), the ReadyToRun build and the Native AOT build.
/// </summary>
internal sealed record ColdRuns(List<ColdSample> Hello, List<ColdSample> Bare, List<ColdSample> Jit, List<ColdSample> Aot)
{
    public double JitRatio => Median(Jit) / Median(Bare);

    public double AotRatio => Median(Aot) / Median(Bare);

    public double Median(List<ColdSample> starts) => Stats.Median(starts.Select(start => start.Ms).ToList());

    public double MedianResidentMb(List<ColdSample> starts) => Stats.Median(starts.Select(start => start.ResidentMb).ToList());
}
