using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.Bench;
using Samples.Products;
using Samples.StandIns;

// Warm latency: each service's GET through its app against a raw DynamoDB GetItem of the same item (the
// floor), both from this process to the same DynamoDB Local. Cold start: process start to first 200 of
// each app against a bare minimal API started the same way. Everything is measured in this run on this
// machine; only the ratios are compared with the targets (warm p50 <= 1.3x, cold start <= 1.5x).
var configuration = args.SkipWhile(a => a != "--configuration").Skip(1).FirstOrDefault() ?? "Release";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

await using var dynamoDbLocal = await DynamoDbLocal.StartAsync();
using var dynamoDb = DynamoDbLocal.Client(dynamoDbLocal.ServiceUrl);
var template = SamTemplate.Load();
await TableProvisioner.CreateAsync(dynamoDb, template, "ProductsTable", "BenchProducts");
await TableProvisioner.CreateAsync(dynamoDb, template, "UsersTable", "BenchUsers");
await TableProvisioner.CreateAsync(dynamoDb, template, "ConnectionsTable", "BenchConnections");

// A real Cognito (emulated) token for the Users routes: the app validates it on every request.
var cognitoState = Path.Combine(RepositoryLayout.StateDirectory, "bench", "cognito");
if (Directory.Exists(cognitoState))
{
    Directory.Delete(cognitoState, recursive: true);
}

var cognitoProcess = await CognitoLocal.StartAsync(cognitoState, CancellationToken.None);
AppDomain.CurrentDomain.ProcessExit += (_, _) => { if (!cognitoProcess.HasExited) { cognitoProcess.Kill(entireProcessTree: true); } };
LocalIdentity identity;
string token;
using (var cognito = new CognitoLocal(new HttpClient()))
{
    identity = await cognito.BootstrapAsync([new LocalUser("bench@example.com", "Bench-Passw0rd!", "Bench", IsAdmin: false)], CancellationToken.None);
    token = await cognito.SignInAsync(identity.ClientId, "bench@example.com", "Bench-Passw0rd!", CancellationToken.None);
}

var repository = new ProductRepository(dynamoDb, Options.Create(new ProductsOptions { TableName = "BenchProducts" }));
var now = DateTimeOffset.UtcNow;
var product = new Product(ProductId.New(now), "Espresso cup", "Porcelain, 80 ml.", 12.50m, "EUR", ["kitchen", "coffee"], 1, now, now, "bench");
await repository.CreateAsync(product, CancellationToken.None);

// Both apps published the way `sam build` packages a function: Release, ReadyToRun, framework-dependent.
var bareDll = await Publisher.PublishAsync(Path.Combine("bench", "BareApp", "BareApp.csproj"), "BareApp", configuration);
var services = new[]
{
    new BenchedService(
        "Products", "GET /products/{id}", $"/products/{product.Id}", Token: null,
        await Publisher.PublishAsync(Path.Combine("services", "Products", "Products.csproj"), "Products", configuration),
        new() { ["Products__TableName"] = "BenchProducts" },
        new GetItemRequest { TableName = "BenchProducts", Key = new() { ["id"] = new AttributeValue { S = product.Id } }, ConsistentRead = true },
        Seed: null),
    new BenchedService(
        "Users", "GET /users/me", "/users/me", token,
        await Publisher.PublishAsync(Path.Combine("services", "Users", "Users.csproj"), "Users", configuration),
        new() { ["Users__TableName"] = "BenchUsers" },
        new GetItemRequest { TableName = "BenchUsers", Key = new() { ["userId"] = new AttributeValue { S = Jwt.Subject(token) } }, ConsistentRead = true },
        Seed: new JsonObject { ["displayName"] = "Bench", ["bio"] = "Measures things." }),
};

var common = new Dictionary<string, string>
{
    ["DynamoDB__ServiceUrl"] = dynamoDbLocal.ServiceUrl,
    ["Auth__Authority"] = identity.Issuer,
    ["Auth__Audience"] = identity.ClientId,
    ["Logging__LogLevel__Default"] = "Warning",
};

var report = new Report();
foreach (var service in services)
{
    var environment = new Dictionary<string, string>(common.Concat(service.Environment));
    Console.WriteLine($"{service.Name}: warm {service.Route}, {Bench.RequestsPerRun} requests per run, concurrency {string.Join(", ", Bench.Concurrency)}.");
    report.Warm[service.Route] = await Bench.WarmAsync(service, environment, dynamoDb);
    Console.WriteLine($"{service.Name}: cold start, {Bench.ColdStarts} starts each, alternating with the bare app.");
    report.Cold[service.Route] = await Bench.ColdAsync(service, bareDll, environment);
}

report.HttpFloor = await Bench.HttpFloorAsync(bareDll, common);

var chatDll = await Publisher.PublishAsync(Path.Combine("services", "Chat", "Chat.csproj"), "Chat", configuration);
var chatEnvironment = new Dictionary<string, string>(common) { ["Chat__TableName"] = "BenchConnections" };
foreach (var (clients, broadcasts) in new[] { (100, 40), (500, 20) })
{
    Console.WriteLine($"Chat: broadcast to {clients} clients in one room, {broadcasts} times.");
    report.Broadcasts[clients] = await Bench.BroadcastAsync(chatDll, chatEnvironment, token, clients, broadcasts);
}
var path = Path.Combine(RepositoryLayout.Root, "docs", "performance.md");
await File.WriteAllTextAsync(path, report.ToMarkdown());
Console.WriteLine($"Wrote {Path.GetRelativePath(RepositoryLayout.Root, path)}.");
Console.WriteLine(report.Summary());
return 0;

/// <summary>One service under test: its published app, the route measured, and the GetItem that is its floor.</summary>
internal sealed record BenchedService(
    string Name, string Route, string Path, string? Token, string Dll, Dictionary<string, string> Environment,
    GetItemRequest Floor, JsonObject? Seed);

internal static class Jwt
{
    public static string Subject(string token) =>
        JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]))!["sub"]!.GetValue<string>();
}

internal static class Bench
{
    public const int RequestsPerRun = 2000;
    public const int Rounds = 3;
    public const int ColdStarts = 7;
    public static readonly int[] Concurrency = [1, 4, 16];

    public static async Task<List<(LoadResult Floor, LoadResult App)>> WarmAsync(
        BenchedService service, Dictionary<string, string> environment, Amazon.DynamoDBv2.IAmazonDynamoDB dynamoDb)
    {
        var port = DynamoDbLocal.FreePort();
        using var app = Apps.Start(service.Dll, port, environment);
        using var http = Apps.Client(port, service.Token);
        await Apps.WaitForOkAsync(http, "/health", TimeSpan.FromSeconds(60));
        if (service.Seed is not null)
        {
            (await http.PostAsJsonAsync("/users", service.Seed)).EnsureSuccessStatusCode();
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
            Console.WriteLine($"  c={concurrency,-3} GetItem p50 {floorResult.P50:F2} ms, app p50 {appResult.P50:F2} ms, ratio {appResult.P50 / floorResult.P50:F2} (median of {Rounds} rounds)");
        }

        app.Kill(entireProcessTree: true);
        return results;
    }

    public static async Task<(List<double> App, List<double> Bare)> ColdAsync(BenchedService service, string bareDll, Dictionary<string, string> environment)
    {
        var (appTimes, bareTimes) = (new List<double>(), new List<double>());
        for (var i = 0; i < ColdStarts; i++)
        {
            bareTimes.Add(await Apps.ColdStartAsync(bareDll, "/products/x", null, environment));
            appTimes.Add(await Apps.ColdStartAsync(service.Dll, service.Path, service.Token, environment));
        }

        Console.WriteLine($"  {service.Name} median {Stats.Median(appTimes):F0} ms, bare minimal API median {Stats.Median(bareTimes):F0} ms, ratio {Stats.Median(appTimes) / Stats.Median(bareTimes):F2}");
        return (appTimes, bareTimes);
    }

    /// <summary>Send to last receipt: one client sends, every client of the room (the sender too) must receive it.</summary>
    public static async Task<double[]> BroadcastAsync(string chatDll, Dictionary<string, string> environment, string token, int clients, int broadcasts)
    {
        var port = DynamoDbLocal.FreePort();
        using var app = Apps.Start(chatDll, port, environment);
        using (var http = Apps.Client(port, null))
        {
            await Apps.WaitForOkAsync(http, "/health", TimeSpan.FromSeconds(60));
        }

        var gateway = new Uri($"ws://127.0.0.1:{port}");
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
    public static async Task<LoadResult> HttpFloorAsync(string bareDll, Dictionary<string, string> environment)
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

internal static class Apps
{
    public static Process Start(string dll, int port, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static HttpClient Client(int port, string? token)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public static async Task<double> ColdStartAsync(string dll, string path, string? token, Dictionary<string, string> environment)
    {
        var port = DynamoDbLocal.FreePort();
        using var http = Client(port, token);
        var clock = Stopwatch.StartNew();
        using var process = Start(dll, port, environment);
        await WaitForOkAsync(http, path, TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed.TotalMilliseconds;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        return elapsed;
    }

    public static async Task WaitForOkAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(2);
        }

        throw new TimeoutException($"No 200 from {http.BaseAddress}{path} within {timeout}.");
    }
}

internal static class Publisher
{
    public static async Task<string> PublishAsync(string project, string name, string configuration)
    {
        var output = Path.Combine(RepositoryLayout.StateDirectory, "bench", name);
        var feedFile = Path.Combine(RepositoryLayout.StateDirectory, "restricted-feed");
        var restricted = File.Exists(feedFile) && (await File.ReadAllTextAsync(feedFile)).Trim() == "1";
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "publish", project, "-c", configuration, "-r", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
            "--self-contained", "false", "-p:PublishReadyToRun=true", $"-p:RestrictedFeed={(restricted ? "true" : "false")}",
            "-o", output, "--nologo", "-v", "quiet",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"Publishing {name} (ReadyToRun)...");
        using var process = Process.Start(start)!;
        var log = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? Path.Combine(output, name + ".dll")
            : throw new InvalidOperationException($"dotnet publish {project} failed:\n{log}");
    }
}
