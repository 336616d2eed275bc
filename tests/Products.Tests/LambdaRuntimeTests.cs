using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>
/// Products as Lambda runs it: the real runtime client loop of the published function (managed, or the Native AOT
/// bootstrap under `make test-aot`), fed HTTP API payload 2.0 events with the JWT authorizer's claims.
/// </summary>
[Trait("Category", "LambdaRuntime")]
public sealed class LambdaRuntimeTests : IAsyncLifetime
{
    private LambdaFunction function = null!;
    private string table = "";

    public async ValueTask InitializeAsync()
    {
        table = await TestTables.CreateAsync("ProductsTable");
        function = await LambdaFunction.StartAsync("Products", "Products", "ProductsFunction", new Dictionary<string, string>
        {
            ["Products__TableName"] = table,
            ["DynamoDB__ServiceUrl"] = await DynamoDbEndpoint.UrlAsync(),
            ["Auth__Authority"] = TestIssuer.Authority,
            ["Auth__Audience"] = TestIssuer.ClientId,
            ["POWERTOOLS_SERVICE_NAME"] = "products",
            ["POWERTOOLS_METRICS_NAMESPACE"] = "ServerlessSamples",
            ["POWERTOOLS_LOG_LEVEL"] = "Information",
        });
    }

    public ValueTask DisposeAsync() => function.DisposeAsync();

    [Fact]
    public async Task Serves_http_api_events_with_the_jwt_authorizers_identity()
    {
        var admin = GatewayEvents.CognitoClaims("admin-sub", GatewayEvents.HttpApiGroups("admin", "readers"));
        var created = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("POST", "/products", ProductsApp.ValidBody().ToJsonString(), admin));
        Assert.Equal(201, created["statusCode"]!.GetValue<int>());
        var product = JsonNode.Parse(created["body"]!.GetValue<string>())!;
        var id = product["id"]!.GetValue<string>();

        var read = await function.InvokeForAnswerAsync(GatewayEvents.HttpApi("GET", "/products/" + id, routeKey: "GET /products/{id}"));
        Assert.Equal(200, read["statusCode"]!.GetValue<int>());
        Assert.Equal("Espresso cup", JsonNode.Parse(read["body"]!.GetValue<string>())!["name"]!.GetValue<string>());

        foreach (var line in function.Output)
        {
            File.AppendAllText("/tmp/products-lambda.log", line + "\n");
        }
    }
}
