using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>
/// One route as clients call it: the event of the i-th request, what it answers, and what must exist before it (made
/// untimed through the same function, such as the product a delete removes).
/// </summary>
/// <param name="Route">As the template declares it, with its API: "POST /products (HTTP API)".</param>
/// <param name="Event">The event of request i.</param>
/// <param name="Status">What each request must answer.</param>
/// <param name="Before">Untimed, before request i; it invokes the function with an event and the status it must answer.</param>
internal sealed record RouteScenario(string Route, Func<int, JsonObject> Event, int Status, Func<int, Func<JsonObject, int, Task<JsonObject>>, Task>? Before = null)
{
    public bool RestApi => Route.EndsWith("(REST API)", StringComparison.Ordinal);
}

/// <summary>A route's warm invocations in one build, and the DynamoDB capacity one request consumes.</summary>
internal sealed record RouteRun(string Function, string Build, string Route, bool RestApi, double[] WarmMs, double ReadUnits, double WriteUnits)
{
    public double P50 => Stats.Median(WarmMs);
}

internal static partial class Bench
{
    /// <summary>Per route: untimed requests, then timed ones, in one warm environment.</summary>
    public const int RouteWarmUpInvocations = 50;
    public const int RouteWarmInvocations = 200;

    /// <summary>Requests per route whose DynamoDB capacity is read (it is the same for each).</summary>
    private const int CapacityRequests = 5;

    /// <summary>
    /// Every route of each function beyond its read, warm: the Lambda duration the cost table prices. Each function runs
    /// twice: once straight to DynamoDB Local, timed; once through <see cref="CapacityProxy"/>, which asks DynamoDB
    /// for the capacity each call consumed (ReturnConsumedCapacity) and adds it up per route, untimed.
    /// </summary>
    public static async Task<List<RouteRun>> RoutesAsync(IReadOnlyList<RuntimeFunction> functions, Func<RuntimeFunction, IReadOnlyList<RouteScenario>> scenarios, CapacityProxy proxy)
    {
        var runs = new List<RouteRun>();
        foreach (var function in functions)
        {
            var capacity = new Dictionary<string, (double Read, double Write)>();
            var counted = function with { Environment = new(function.Environment) { ["DynamoDB__ServiceUrl"] = proxy.Url.ToString() } };
            await using (var runtimeApi = await LambdaRuntimeApi.StartAsync())
            await using (var process = LambdaFunctionProcess.Start(runtimeApi, counted.Binary.Path, counted.Name, counted.Environment))
            {
                foreach (var scenario in scenarios(counted))
                {
                    await RequestsAsync(runtimeApi, process, function.Name, scenario, 1, null); // set-up done once
                    var (read, write) = await RequestsAsync(runtimeApi, process, function.Name, scenario, CapacityRequests, null, first: 1, proxy);
                    capacity[scenario.Route] = (read / CapacityRequests, write / CapacityRequests);
                }
            }

            await using (var runtimeApi = await LambdaRuntimeApi.StartAsync())
            await using (var process = LambdaFunctionProcess.Start(runtimeApi, function.Binary.Path, function.Name, function.Environment))
            {
                foreach (var scenario in scenarios(function))
                {
                    await RequestsAsync(runtimeApi, process, function.Name, scenario, RouteWarmUpInvocations, null);
                    var timings = new List<double>();
                    await RequestsAsync(runtimeApi, process, function.Name, scenario, RouteWarmInvocations, timings, first: RouteWarmUpInvocations);
                    var (read, write) = capacity[scenario.Route];
                    var run = new RouteRun(function.Name, function.Build, scenario.Route, scenario.RestApi, [.. timings], read, write);
                    Console.WriteLine($"  {function.Name,-12} {run.Build,-10} {run.Route,-36} warm p50 {run.P50:F2} ms, {read:0.##} read and {write:0.##} write units a request");
                    runs.Add(run);
                }
            }
        }

        return runs;
    }

    /// <summary>
    /// Requests first..first+count-1 of the scenario, each after its untimed set-up; their times into
    /// <paramref name="timings"/>, and the capacity the requests alone consumed (not their set-up's) through <paramref name="proxy"/>.
    /// </summary>
    private static async Task<(double Read, double Write)> RequestsAsync(
        LambdaRuntimeApi runtimeApi, LambdaFunctionProcess process, string function, RouteScenario scenario, int count, List<double>? timings, int first = 0,
        CapacityProxy? proxy = null)
    {
        var (read, write) = (0.0, 0.0);
        async Task<JsonObject> InvokeAsync(JsonObject lambdaEvent, int status)
        {
            var result = await runtimeApi.InvokeAsync(lambdaEvent.ToJsonString(), TimeSpan.FromSeconds(30));
            if (Status(result) != status)
            {
                throw Refused($"{function} ({scenario.Route})", result, process);
            }

            return JsonNode.Parse(result.Payload)!.AsObject();
        }

        for (var i = first; i < first + count; i++)
        {
            if (scenario.Before is { } before)
            {
                await before(i, InvokeAsync);
            }

            var lambdaEvent = scenario.Event(i);
            proxy?.Reset();
            var started = Stopwatch.GetTimestamp();
            await InvokeAsync(lambdaEvent, scenario.Status);
            timings?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (proxy?.Consumed is var (requestRead, requestWrite))
            {
                (read, write) = (read + requestRead, write + requestWrite);
            }
        }

        return (read, write);
    }
}

/// <summary>
/// A pass-through in front of DynamoDB Local that asks for the capacity each call consumes (ReturnConsumedCapacity
/// TOTAL; DynamoDB Local computes it by DynamoDB's rules: 1 KB a write unit, 4 KB a read unit) and adds it up, reads and
/// writes apart. The functions' SDK signs the request; DynamoDB Local does not check signatures.
/// </summary>
internal sealed class CapacityProxy : IAsyncDisposable
{
    private static readonly HashSet<string> Reads = new(StringComparer.Ordinal) { "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems" };

    private readonly WebApplication app;
    private readonly ConcurrentQueue<(bool Read, double Units)> consumed = new();

    private CapacityProxy(WebApplication app, Uri url) => (this.app, Url) = (app, url);

    public Uri Url { get; }

    /// <summary>Read and write capacity units since the last <see cref="Reset"/>.</summary>
    public (double Read, double Write) Consumed =>
        (consumed.Where(call => call.Read).Sum(call => call.Units), consumed.Where(call => !call.Read).Sum(call => call.Units));

    public void Reset() => consumed.Clear();

    public static async Task<CapacityProxy> StartAsync(string dynamoDbUrl)
    {
        var app = LoopbackApp.Create();
        var upstream = new HttpClient { BaseAddress = new Uri(dynamoDbUrl) };
        CapacityProxy? proxy = null;
        app.MapPost("/", async (HttpContext context) =>
        {
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            body["ReturnConsumedCapacity"] = "TOTAL";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body.ToJsonString()) };
            request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
            request.Headers.TryAddWithoutValidation("X-Amz-Date", context.Request.Headers["X-Amz-Date"].ToString());
            using var response = await upstream.SendAsync(request);
            var answer = await response.Content.ReadAsStringAsync();
            // A refused condition consumes capacity too, and says so in its error.
            var units = JsonNode.Parse(answer)?["ConsumedCapacity"] switch
            {
                JsonArray each => each.Sum(table => table?["CapacityUnits"]?.GetValue<double>() ?? 0),
                JsonObject total => total["CapacityUnits"]?.GetValue<double>() ?? 0,
                _ => 0,
            };
            proxy!.consumed.Enqueue((Reads.Contains(target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..]), units));

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "application/x-amz-json-1.0";
            await context.Response.WriteAsync(answer);
        });
        proxy = new CapacityProxy(app, await LoopbackApp.StartAsync(app));
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
