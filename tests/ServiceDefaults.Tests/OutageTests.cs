using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.ServiceDefaults.Tests;

/// <summary>
/// DynamoDB goes away mid-test: requests answer a 503 problem with Retry-After well inside API Gateway's
/// 29 s (instead of hanging for minutes on the SDK's default ten retries), /health says Unhealthy, and when
/// DynamoDB is back the same app serves again, with no restart. The app runs against a DynamoDB Local of its
/// own, which the test stops and starts again.
/// </summary>
public sealed class OutageTests
{
    /// <summary>API Gateway's integration timeout (REST; HTTP APIs allow 30 s): past it the caller gets a bare gateway 5xx.</summary>
    private static readonly TimeSpan GatewayTimeout = TimeSpan.FromSeconds(29);

    [Fact]
    public async Task With_DynamoDB_stopped_requests_get_a_fast_503_and_the_app_recovers_when_it_returns()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = DynamoDbLocal.FreePort();
        var dynamoDb = await DynamoDbLocal.StartAsync(port, cancel);
        await using var app = new OwnDynamoDbApp(dynamoDb.ServiceUrl);
        await app.InitializeAsync();
        using var admin = app.Admin();
        using var anonymous = app.Anonymous();
        var id = await app.CreateProductAsync();

        await dynamoDb.DisposeAsync(); // stopped: in-memory tables gone with it
        var clock = Stopwatch.StartNew();
        using (var read = await admin.GetAsync($"/products/{id}", cancel))
        {
            var timeToFail = clock.Elapsed;
            await Problems.AssertAsync(read, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(TimeSpan.FromSeconds(5), read.Headers.RetryAfter?.Delta);
            Assert.True(timeToFail < GatewayTimeout, $"503 after {timeToFail.TotalSeconds:F1} s");
            TestContext.Current.TestOutputHelper?.WriteLine($"Outage: time to 503 on a read {timeToFail.TotalMilliseconds:F0} ms");
        }

        using (var write = await admin.PostAsJsonAsync("/products", ProductsApp.ValidBody(), cancel))
        {
            await Problems.AssertAsync(write, HttpStatusCode.ServiceUnavailable);
        }

        using (var health = await anonymous.GetAsync("/health", cancel))
        {
            var problem = await Problems.AssertAsync(health, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Service unhealthy", problem["title"]!.GetValue<string>());
            Assert.Equal("DynamoDB cannot be reached.", problem["checks"]!["dynamodb"]!.GetValue<string>());
        }

        // Back, empty (as `make run`'s watchdog restarts it): the tables are created again, the app is untouched.
        await using var restarted = await DynamoDbLocal.StartAsync(port, cancel);
        await TestTables.CreateAsync("ProductsTable", app.Table, restarted.ServiceUrl);
        clock.Restart();
        using (var list = await admin.GetAsync("/products", cancel))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            TestContext.Current.TestOutputHelper?.WriteLine($"Outage: first 200 {clock.Elapsed.TotalMilliseconds:F0} ms after DynamoDB returned");
        }

        using var created = await admin.PostAsJsonAsync("/products", ProductsApp.ValidBody(), cancel);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var healthy = await anonymous.GetAsync("/health", cancel);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    /// <summary>
    /// The stated budget from a request to its 503 with DynamoDB hung: the request deadline (5 s: three 1.5 s attempts
    /// and the SDK's backoff, capped), plus up to 1 s to free an Idempotency-Key, plus 1 s to answer on a loaded machine.
    /// </summary>
    private static readonly TimeSpan TimeTo503Budget = TimeSpan.FromSeconds(7);

    [Fact]
    public async Task With_DynamoDB_frozen_every_kind_of_request_answers_a_503_problem_within_its_budget_and_the_app_recovers()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var dynamoDb = await DynamoDbLocal.StartAsync(0, cancel);
        await using var app = new OwnDynamoDbApp(dynamoDb.ServiceUrl);
        await app.InitializeAsync();
        var id = await app.CreateProductAsync();
        using var anonymous = app.Anonymous();
        using var admin = app.Admin();
        var key = Guid.NewGuid().ToString();
        var requests = new (string Name, Func<HttpClient, HttpRequestMessage> Make)[]
        {
            ("GET /products/{id}", _ => new(HttpMethod.Get, $"/products/{id}")),
            ("GET /products", _ => new(HttpMethod.Get, "/products")),
            ("POST /products", _ => new(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody("Unkeyed")) }),
            ("POST /products with Idempotency-Key", _ => Keyed(key)),
            ("PUT /products/{id}", _ => Requests.Put($"/products/{id}", ProductsApp.ValidBody("Replaced"), "\"1\"")),
            ("DELETE /products/{id}", _ => Requests.Delete($"/products/{id}", "\"1\"")),
            ("GET /health", _ => new(HttpMethod.Get, "/health")),
        };

        await dynamoDb.FreezeAsync();
        try
        {
            var answers = await Task.WhenAll(requests.Select(async request =>
            {
                using var message = request.Make(admin);
                var clock = Stopwatch.StartNew();
                var response = await admin.SendAsync(message, cancel);
                return (request.Name, Response: response, Elapsed: clock.Elapsed);
            }));
            foreach (var (name, response, elapsed) in answers)
            {
                using (response)
                {
                    TestContext.Current.TestOutputHelper?.WriteLine($"Frozen DynamoDB: {name} answered {(int)response.StatusCode} after {elapsed.TotalMilliseconds:F0} ms");
                    await Problems.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
                    Assert.True(elapsed < TimeTo503Budget, $"{name}: 503 after {elapsed.TotalSeconds:F1} s, over the {TimeTo503Budget.TotalSeconds} s budget");
                    if (name != "GET /health")
                    {
                        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                    }
                }
            }
        }
        finally
        {
            await dynamoDb.ThawAsync();
        }

        // Thawed, with its tables: the keyed create is retried until it has its answer, and it exists once.
        var created = await RetryUntilAnsweredAsync(() => admin.SendAsync(Keyed(key), cancel));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var keyed = (await TestTables.SnapshotAsync(app.Table, dynamoDb.ServiceUrl)).Count(item => item.Contains("name=Keyed", StringComparison.Ordinal));
        Assert.Equal(1, keyed);
        using var health = await anonymous.GetAsync("/health", cancel);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Freezing_DynamoDB_mid_write_over_and_over_never_duplicates_a_keyed_create_or_answers_it_wrongly()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var dynamoDb = await DynamoDbLocal.StartAsync(0, cancel);
        await using var app = new OwnDynamoDbApp(dynamoDb.ServiceUrl);
        await app.InitializeAsync();
        using var admin = app.Admin();
        var finals = new List<(string Name, HttpStatusCode Status, string Body)>();

        for (var round = 0; round < 4; round++)
        {
            var name = $"Round {round}";
            var key = Guid.NewGuid().ToString();
            var body = ProductsApp.ValidBody(name);
            var first = admin.SendAsync(Keyed(key, body), cancel);
            await Task.Delay(TimeSpan.FromMilliseconds(round * 7), cancel); // the freeze lands at a different point each round
            await dynamoDb.FreezeAsync();
            await Task.Delay(TimeSpan.FromSeconds(2), cancel);
            await dynamoDb.ThawAsync();
            (await first).Dispose();
            var final = await RetryUntilAnsweredAsync(() => admin.SendAsync(Keyed(key, body), cancel));
            finals.Add((name, final.Status, final.Body));
        }

        var stored = await TestTables.SnapshotAsync(app.Table, dynamoDb.ServiceUrl);
        foreach (var (name, status, body) in finals)
        {
            Assert.Equal(HttpStatusCode.Created, status);
            var product = JsonNode.Parse(body)!;
            Assert.Equal(name, product["name"]!.GetValue<string>());
            Assert.Single(stored, item => item.Contains($"name={name};", StringComparison.Ordinal));
            Assert.NotNull(await TestTables.GetItemAsync(app.Table, "id", product["id"]!.GetValue<string>(), dynamoDb.ServiceUrl));
        }
    }

    /// <summary>What a careful client does: retries a 503 or a 409 (in progress) after its Retry-After, until it has an answer.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> RetryUntilAnsweredAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            using var response = await send();
            if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict))
            {
                return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Min(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 1, 2)), TestContext.Current.CancellationToken);
        }

        throw new InvalidOperationException("No answer after 10 attempts.");
    }

    private static HttpRequestMessage Keyed(string key, System.Text.Json.Nodes.JsonObject? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(body ?? ProductsApp.ValidBody("Keyed")) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"\"{key}\"");
        return request;
    }

    private sealed class OwnDynamoDbApp(string dynamoDbUrl) : ProductsApp
    {
        protected override Task<string> DynamoDbUrlAsync() => Task.FromResult(dynamoDbUrl);
    }
}
