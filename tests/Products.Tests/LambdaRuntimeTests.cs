using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>
/// Products as Lambda runs it: the function's real runtime client loop (the managed build, or the Native AOT bootstrap
/// under `make test-aot`), fed HTTP API payload 2.0 events carrying the JWT authorizer's claims.
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class LambdaRuntimeTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Admin = GatewayEvents.CognitoClaims("admin-sub", GatewayEvents.HttpApiGroups("admin", "readers"));
    private static readonly Dictionary<string, string> Member = GatewayEvents.CognitoClaims("member-sub", GatewayEvents.HttpApiGroups("readers"));

    private LambdaFunction function = null!;
    private string table = "";
    private string idempotencyTable = "";

    public async ValueTask InitializeAsync()
    {
        table = await TestTables.CreateAsync("ProductsTable");
        idempotencyTable = await TestTables.CreateAsync("IdempotencyTable");
        function = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction",
            await LambdaFunction.AppEnvironmentAsync("products", new Dictionary<string, string> { ["Products__TableName"] = table, ["Idempotency__TableName"] = idempotencyTable }));
    }

    public ValueTask DisposeAsync() => function.DisposeAsync();

    [Fact]
    public async Task An_admin_creates_a_product_that_anyone_then_reads_and_every_line_and_metric_is_as_cloudwatch_expects()
    {
        var created = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("POST", "/products", ProductsApp.ValidBody().ToJsonString(), Admin));

        Assert.Equal(201, created.StatusCode());
        var product = created.JsonBody();
        var id = product["id"]!.GetValue<string>();
        Assert.Equal("/products/" + id, created.Header("Location"));
        Assert.False(string.IsNullOrEmpty(created.Header("ETag")));

        var read = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("GET", "/products/" + id, routeKey: "GET /products/{id}"));
        Assert.Equal(200, read.StatusCode());
        Assert.Equal("Espresso cup", read.JsonBody()["name"]!.GetValue<string>());
        Assert.Equal(created.Header("ETag"), read.Header("ETag"));

        var lines = LambdaLogs.AssertEveryLineIsPowertoolsJson(await function.SettledOutputAsync(), "products");
        Assert.Equal([true, false], lines.Select(line => line["cold_start"]!.GetValue<bool>()));
        Assert.All(lines, line => Assert.Equal("ProductsFunction", line["function_name"]!.GetValue<string>()));
        LambdaLogs.AssertMetricsOnce(await function.SettledOutputAsync(), "ServerlessSamples", "products", "ProductsCreated");

        // Tracing on: the X-Ray recorder sent the DynamoDB call as a subsegment of the invocation's trace.
        var put = (await function.XRaySegmentsAsync()).Select(segment => JsonNode.Parse(segment)!).Single(segment => segment["aws"]?["operation"]?.GetValue<string>() == "PutItem");
        Assert.Equal("DynamoDBv2", put["name"]!.GetValue<string>());
        if (LambdaFunction.Build == "managed")
        {
            // The recorder reads request parameters by reflection from the SDK's request types, which Native AOT trims.
            Assert.Equal(table, put["aws"]!["table_name"]!.GetValue<string>());
        }

        Assert.Equal(lines[0]["xray_trace_id"]!.GetValue<string>(), put["trace_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_function_without_its_cognito_pool_fails_its_init_and_says_which_setting()
    {
        var environment = await LambdaFunction.AppEnvironmentAsync("products", new Dictionary<string, string> { ["Products__TableName"] = table, ["Idempotency__TableName"] = idempotencyTable });
        environment.Remove("Auth__Authority");
        await using var misconfigured = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction", environment);

        var output = await misconfigured.ExitOutputAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(output, line => line.Contains("Authority field is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_member_without_the_admin_group_gets_a_403_problem_and_nothing_is_stored()
    {
        var refused = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("POST", "/products", ProductsApp.ValidBody().ToJsonString(), Member));

        Assert.Equal(403, refused.StatusCode());
        Assert.Equal("application/problem+json", refused.Header("Content-Type"));
        Assert.Empty(await TestTables.SnapshotAsync(table));
    }

    [Fact]
    public async Task An_invalid_body_gets_a_400_problem_naming_the_field_with_the_gateways_request_id()
    {
        var request = GatewayEvents.HttpApi("POST", "/products", ProductsApp.ValidBody(price: -1).ToJsonString(), Admin);

        var refused = await function.InvokeForAnswerAsync(request);

        Assert.Equal(400, refused.StatusCode());
        var problem = refused.JsonBody();
        Assert.True(problem["errors"]!.AsObject().ContainsKey("price"), problem.ToJsonString());
        Assert.Equal(request["requestContext"]!["requestId"]!.GetValue<string>(), problem["correlationId"]!.GetValue<string>());
        Assert.Equal(problem["correlationId"]!.GetValue<string>(), refused.Header("X-Correlation-Id"));
        Assert.Empty(await TestTables.SnapshotAsync(table));
    }

    [Fact]
    public async Task A_create_retried_with_its_idempotency_key_gets_the_first_answer_and_one_product_is_stored()
    {
        var headers = new Dictionary<string, string> { ["idempotency-key"] = $"\"{Guid.NewGuid()}\"" };
        var body = ProductsApp.ValidBody("Keyed in Lambda").ToJsonString();

        var first = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("POST", "/products", body, Admin, headers: headers));
        var retry = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("POST", "/products", body, Admin, headers: headers));
        var reused = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("POST", "/products", ProductsApp.ValidBody("Other").ToJsonString(), Admin, headers: headers));

        Assert.Equal(201, first.StatusCode());
        Assert.Equal(201, retry.StatusCode());
        Assert.Equal(first["body"]!.GetValue<string>(), retry["body"]!.GetValue<string>());
        Assert.Equal(first.Header("Location"), retry.Header("Location"));
        Assert.Equal(first.Header("ETag"), retry.Header("ETag"));
        Assert.Equal("true", retry.Header("Idempotent-Replayed"));
        Assert.Equal(422, reused.StatusCode());
        Assert.Single(await TestTables.SnapshotAsync(table));
        Assert.Single(await TestTables.SnapshotAsync(idempotencyTable));

        // The retry's claim was refused by its condition, and X-Ray recorded that call as an error with the
        // exception's type in both builds (Native AOT has no stack frame metadata: LambdaHosting.cs).
        var refusedClaims = (await function.XRaySegmentsAsync()).Select(segment => JsonNode.Parse(segment)!)
            .Where(segment => segment["aws"]?["operation"]?.GetValue<string>() == "PutItem" && segment["error"]?.GetValue<bool>() == true);
        Assert.Contains(refusedClaims, segment => segment["cause"]!["exceptions"]![0]!["type"]!.GetValue<string>() == "ConditionalCheckFailedException");
    }
}
