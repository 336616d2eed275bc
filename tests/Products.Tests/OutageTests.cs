using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace Samples.Products.Tests;

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
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync(cancel));
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

    private sealed class OwnDynamoDbApp(string dynamoDbUrl) : ProductsApp
    {
        protected override Task<string> DynamoDbUrlAsync() => Task.FromResult(dynamoDbUrl);
    }
}
