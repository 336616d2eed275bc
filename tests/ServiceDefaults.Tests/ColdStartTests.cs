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
    public async Task No_data_protection_key_is_made_while_the_host_starts()
    {
        await using var app = new ProductsApp();
        await app.InitializeAsync();
        using var client = app.CreateClient();
        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);

        var keys = app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!;
        Assert.Empty(keys.GetAllElements());
    }

    /// <summary>Products started as Lambda starts it, two events (the second makes it write its marks), the marks by name.</summary>
    private static async Task<Dictionary<string, long>> MarksOfAColdStartAsync(string initializationType)
    {
        var marksFile = Path.Combine(Path.GetTempPath(), $"startup-marks-{Guid.NewGuid():N}.tsv");
        var table = await TestTables.CreateAsync("ProductsTable");
        var environment = await LambdaFunction.AppEnvironmentAsync("products", new Dictionary<string, string> { ["Products__TableName"] = table });
        environment["SAMPLES_STARTUP_MARKS"] = marksFile;
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = initializationType;
        var missing = Samples.BuildingBlocks.Data.WriteToken.New(DateTimeOffset.UtcNow).Value; // a well-formed id of no product
        await using (var function = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction", environment))
        {
            foreach (var _ in new[] { 1, 2 })
            {
                var answer = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("GET", "/products/" + missing, routeKey: "GET /products/{id}"));
                Assert.Equal(404, answer.StatusCode());
            }
        }

        var lines = await File.ReadAllLinesAsync(marksFile, TestContext.Current.CancellationToken);
        File.Delete(marksFile);
        return lines.Select(line => line.Split('\t', 2)).ToDictionary(parts => parts[1], parts => long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
    }
}
