using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Samples.ServiceDefaults.Tests;

/// <summary>
/// What a cold start does and no longer does (docs/performance.md, "Where the cold start goes"), seen through the start-up
/// marks `make bench` itemises it with (SAMPLES_STARTUP_MARKS): Products as Lambda runs it, managed or Native AOT.
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class ColdStartTests
{
    [Fact]
    public async Task An_on_demand_cold_start_sets_DynamoDB_up_in_its_first_request_and_the_marks_follow_the_request_through()
    {
        var marks = await MarksOfAColdStartAsync("on-demand");

        Assert.DoesNotContain("DescribeTable sent", marks.Keys);
        string[] inOrder = ["builder created", "service defaults added", "host built", "pipeline built", "event marshalled", "pipeline entered",
            "routed", "authorized", "endpoint reached", "GetItem sent", "GetItem answered", "response written"];
        Assert.Equal(inOrder, inOrder.OrderBy(mark => marks[mark]));
    }

    [Fact]
    public async Task A_provisioned_concurrency_init_primes_DynamoDB_before_its_first_event()
    {
        var marks = await MarksOfAColdStartAsync("provisioned-concurrency");

        Assert.True(marks["DescribeTable sent"] < marks["event marshalled"]);
    }

    [Fact]
    public async Task Under_SnapStart_the_warm_up_runs_before_the_restore_and_the_first_request_after_it_is_the_cold_start()
    {
        var (marks, output, requestIds, table) = await ColdStartAsync("snap-start");

        // Before the snapshot, five times over, as HTTP API events through the function's handler: the catalogue's reads,
        // then as an admin a create that fails validation, a replace and a delete of a product that does not exist.
        string[] answers = ["GET /products/ answered 200", "GET /products/{id} answered 404", "POST /products/ answered 400", "PUT /products/{id} answered 404", "DELETE /products/{id} answered 404"];
        Assert.Equal(Enumerable.Range(0, SnapStartWarmUp.Rounds).SelectMany(_ => answers), LambdaLogs.WarmUpAnswers(output));
        Assert.Empty(await TestTables.SnapshotAsync(table));

        // The marks start again at the restore: the warm-up's /health set DynamoDB up before it, so the first real
        // request makes no DescribeTable, and its GetItem is the first DynamoDB request after the restore.
        Assert.Contains("restored", marks.Keys);
        Assert.DoesNotContain("DescribeTable sent", marks.Keys);
        Assert.True(marks["restored"] < marks["GetItem sent"]);
        // The real requests' lines (the warm-up's, written while the runtime still wraps the console, are not them).
        var lines = LambdaLogs.AssertEveryLineIsPowertoolsJson([.. output.Where(line => requestIds.Any(line.Contains))], "products");
        bool ColdStartOf(string requestId) => lines.First(line => line["function_request_id"]?.GetValue<string>() == requestId)["cold_start"]!.GetValue<bool>();
        Assert.True(ColdStartOf(requestIds[0]));
        Assert.False(ColdStartOf(requestIds[1]));
    }

    [Fact]
    public async Task A_warm_invocation_alone_is_marked_when_asked_from_its_event_to_its_response()
    {
        var marksFile = Path.Combine(Path.GetTempPath(), $"warm-marks-{Guid.NewGuid():N}.tsv");
        var table = await TestTables.CreateAsync("ProductsTable");
        var environment = await LambdaFunction.AppEnvironmentAsync("products", new Dictionary<string, string> { ["Products__TableName"] = table });
        environment["SAMPLES_STARTUP_MARKS"] = marksFile;
        environment["SAMPLES_STARTUP_MARKS_INVOCATION"] = "3";
        var missing = Samples.BuildingBlocks.Data.WriteToken.New(DateTimeOffset.UtcNow).Value;
        var results = new List<Samples.StandIns.InvocationResult>();
        await using (var function = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction", environment))
        {
            for (var i = 0; i < 4; i++)
            {
                results.Add(await function.InvokeAsync(GatewayEvents.HttpApi("GET", "/products/" + missing, routeKey: "GET /products/{id}")));
            }
        }

        var marks = (await File.ReadAllLinesAsync(marksFile, TestContext.Current.CancellationToken))
            .Select(line => line.Split('\t', 2)).ToDictionary(parts => parts[1], parts => long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
        File.Delete(marksFile);

        // Only the third invocation's way through: no start-up mark, and every mark between its event and the next one.
        string[] inOrder = ["event marshalled", "pipeline entered", "routed", "authorized", "endpoint reached", "GetItem sent", "GetItem answered", "response written"];
        Assert.Equal(inOrder, inOrder.OrderBy(mark => marks[mark]));
        Assert.DoesNotContain("builder created", marks.Keys);
        Assert.All(marks.Values, at => Assert.InRange(at, results[2].HandedOutTimestamp, results[3].HandedOutTimestamp));
    }

    [Fact]
    public async Task No_data_protection_key_is_made_while_the_host_starts()
    {
        await using var app = new ProductsApp();
        await app.InitializeAsync();
        using var client = app.CreateClient();
        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);

        var keys = app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!;
        Assert.Empty(keys.GetAllElements());
    }

    private static async Task<Dictionary<string, long>> MarksOfAColdStartAsync(string initializationType) =>
        (await ColdStartAsync(initializationType)).Marks;

    /// <summary>
    /// Products started as Lambda starts it, two events (the second makes it write its marks): the marks by name, what
    /// the function wrote, the two events' request ids, and its table.
    /// </summary>
    private static async Task<(Dictionary<string, long> Marks, IReadOnlyList<string> Output, string[] RequestIds, string Table)> ColdStartAsync(string initializationType)
    {
        var marksFile = Path.Combine(Path.GetTempPath(), $"startup-marks-{Guid.NewGuid():N}.tsv");
        var table = await TestTables.CreateAsync("ProductsTable");
        var environment = await LambdaFunction.AppEnvironmentAsync("products", new Dictionary<string, string> { ["Products__TableName"] = table });
        environment["SAMPLES_STARTUP_MARKS"] = marksFile;
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = initializationType;
        var missing = Samples.BuildingBlocks.Data.WriteToken.New(DateTimeOffset.UtcNow).Value; // a well-formed id of no product
        var requestIds = new List<string>();
        IReadOnlyList<string> output;
        await using (var function = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction", environment))
        {
            foreach (var _ in new[] { 1, 2 })
            {
                var result = await function.InvokeAsync(GatewayEvents.HttpApi("GET", "/products/" + missing, routeKey: "GET /products/{id}"));
                Assert.True(result.Succeeded, result.Payload);
                Assert.Equal(404, System.Text.Json.Nodes.JsonNode.Parse(result.Payload)!.AsObject().StatusCode());
                requestIds.Add(result.RequestId);
            }

            output = await function.SettledOutputAsync();
        }

        var lines = await File.ReadAllLinesAsync(marksFile, TestContext.Current.CancellationToken);
        File.Delete(marksFile);
        var marks = lines.Select(line => line.Split('\t', 2)).ToDictionary(parts => parts[1], parts => long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
        return (marks, output, [.. requestIds], table);
    }
}
