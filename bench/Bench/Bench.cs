using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Samples.Chat;
using Samples.ServiceDefaults.Authentication;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>The measurements: warm latency and cold start of a service against their floors, and chat broadcasts.</summary>
internal static class Bench
{
    public const int RequestsPerRun = 2000;
    public const int Rounds = 3;
    public const int ColdStarts = 7;
    public static readonly int[] Concurrency = [1, 4, 16];

    public static async Task<List<(LoadResult Floor, LoadResult App)>> WarmAsync(
        BenchedService service, AppBinary binary, Dictionary<string, string> environment, Amazon.DynamoDBv2.IAmazonDynamoDB dynamoDb)
    {
        var port = DynamoDbLocal.FreePort();
        using var app = Apps.Start(binary, port, environment);
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
        Func<Task> api = async () =>
        {
            using var response = await http.GetAsync(service.Path, HttpCompletionOption.ResponseContentRead);
            response.EnsureSuccessStatusCode();
        };

        // Warm both paths (JIT, connection pools) before measuring.
        await Load.RunAsync("warm-up", 8, 2000, floor);
        await Load.RunAsync("warm-up", 8, 2000, api);
        var results = new List<(LoadResult, LoadResult)>();
        foreach (var concurrency in Concurrency)
        {
            // On a small, busy machine one run can be unlucky: alternate floor and app three times and keep
            // the round with the median ratio.
            var rounds = new List<(LoadResult Floor, LoadResult App)>();
            for (var round = 0; round < Rounds; round++)
            {
                rounds.Add((await Load.RunAsync("GetItem", concurrency, RequestsPerRun, floor), await Load.RunAsync(service.Route, concurrency, RequestsPerRun, api)));
            }

            var (floorResult, appResult) = rounds.OrderBy(r => r.App.P50 / r.Floor.P50).ElementAt(Rounds / 2);
            results.Add((floorResult, appResult));
            Console.WriteLine($"  {(binary.Native ? "AOT" : "JIT")} c={concurrency,-3} GetItem p50 {floorResult.P50:F2} ms, app p50 {appResult.P50:F2} ms, ratio {appResult.P50 / floorResult.P50:F2} (median of {Rounds} rounds)");
        }

        app.Kill(entireProcessTree: true);
        return results;
    }

    /// <summary>
    /// The floors and both builds, started in turn (so a busy moment hits all alike): the bare app's hello world, the
    /// bare app doing the same job (an authenticated GetItem, GET /users/me), then the service's ReadyToRun and
    /// AOT builds on its route, each request carrying the same valid token.
    /// </summary>
    public static async Task<ColdRuns> ColdAsync(BenchedService service, AppBinary bare, string token, Dictionary<string, string> environment)
    {
        var runs = new ColdRuns([], [], [], []);
        var bareEnvironment = new Dictionary<string, string>(environment) { ["Users__TableName"] = "BenchUsers" };
        for (var i = 0; i < ColdStarts; i++)
        {
            runs.Hello.Add(await Apps.ColdStartAsync(bare, "/products/x", null, environment));
            runs.Bare.Add(await Apps.ColdStartAsync(bare, "/users/me", token, bareEnvironment));
            runs.Jit.Add(await Apps.ColdStartAsync(service.Jit, service.Path, token, environment));
            runs.Aot.Add(await Apps.ColdStartAsync(service.Aot, service.Path, token, environment));
        }

        Console.WriteLine($"  {service.Name}: bare hello {runs.Median(runs.Hello):F0} ms, bare authenticated read {runs.Median(runs.Bare):F0} ms, "
            + $"ReadyToRun {runs.Median(runs.Jit):F0} ms ({runs.JitRatio:F2}x), Native AOT {runs.Median(runs.Aot):F0} ms ({runs.AotRatio:F2}x)");
        return runs;
    }

    /// <summary>
    /// Send to last receipt: one client sends, every client of the room (the sender too) must receive it. The
    /// clients connect to the WebSocket API stand-in, which calls the published Chat app, as under `make run`.
    /// </summary>
    public static async Task<double[]> BroadcastAsync(
        AppBinary chatDll, Dictionary<string, string> environment, LocalIdentity identity, string token, int clients, int broadcasts)
    {
        var port = DynamoDbLocal.FreePort();
        var key = WebSocketGateway.NewIntegrationKey();
        var authorizer = new ChatAuthorizer(
            CognitoTokenValidator.Create(new CognitoAuthOptions { Authority = identity.Issuer, Audience = identity.ClientId }),
            NullLogger<ChatAuthorizer>.Instance);
        await using var webSocketApi = await WebSocketGateway.StartAsync(
            0, new Uri($"http://127.0.0.1:{port}/"), key, authorizer, NullLoggerFactory.Instance, CancellationToken.None);
        using var app = Apps.Start(chatDll, port, new Dictionary<string, string>(environment)
        {
            ["Chat__ConnectionsEndpoint"] = webSocketApi.Url.ToString(),
            ["Chat__IntegrationKey"] = key,
        });
        using (var http = Apps.Client(port, null))
        {
            await Apps.WaitForOkAsync(http, "/health", TimeSpan.FromSeconds(60));
        }

        var gateway = webSocketApi.WebSocketUrl;
        var room = "bench-" + clients;
        var sockets = new List<ChatSocketClient>();
        try
        {
            for (var i = 0; i < clients; i++)
            {
                sockets.Add(await ChatSocketClient.ConnectAsync(gateway, token, room, CancellationToken.None));
            }

            var latencies = new List<double>();
            for (var round = -2; round < broadcasts; round++) // two warm-up rounds
            {
                var text = $"broadcast {round}";
                var clock = Stopwatch.StartNew();
                await sockets[0].SendMessageAsync(text, CancellationToken.None);
                var received = await Task.WhenAll(sockets.Select(socket => socket.ReceiveAsync(TimeSpan.FromSeconds(30), CancellationToken.None)));
                var elapsed = clock.Elapsed.TotalMilliseconds;
                if (received.Any(frame => frame?["text"]?.GetValue<string>() != text))
                {
                    throw new InvalidOperationException($"A client missed broadcast {round}.");
                }

                if (round >= 0)
                {
                    latencies.Add(elapsed);
                }
            }

            var sorted = latencies.Order().ToArray();
            Console.WriteLine($"  {clients} clients: p50 {Stats.Median(latencies):F1} ms, p99 {sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1]:F1} ms");
            return sorted;
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }

            app.Kill(entireProcessTree: true);
        }
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
