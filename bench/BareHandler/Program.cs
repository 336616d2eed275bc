using System.Diagnostics;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.Core;
using Amazon.Lambda.RuntimeSupport;
using Amazon.Lambda.Serialization.SystemTextJson;
using Amazon.Runtime;

// The floor under the Lambda runtime: an HTTP API event in, one GetItem of the item the path names
// (BareHandler__TableName, a table shaped like ProductsTable), its JSON out. No ASP.NET Core, no validation, logging,
// tracing or options: what a service adds on top of this is what the bench measures against it.
// With SAMPLES_STARTUP_MARKS (the bench's itemised init), the moment Main began goes to that file on the second event.
var mainEntered = Stopwatch.GetTimestamp();
var marksFile = Environment.GetEnvironmentVariable("SAMPLES_STARTUP_MARKS");
var invocations = 0;
var dynamoDb = new AmazonDynamoDBClient(
    new BasicAWSCredentials("local", "local"),
    new AmazonDynamoDBConfig { ServiceURL = Environment.GetEnvironmentVariable("DynamoDB__ServiceUrl"), AuthenticationRegion = "us-east-1" });
var table = Environment.GetEnvironmentVariable("BareHandler__TableName");

async Task<APIGatewayHttpApiV2ProxyResponse> HandleAsync(APIGatewayHttpApiV2ProxyRequest request, ILambdaContext context)
{
    if (marksFile is not null && ++invocations == 2)
    {
        await File.WriteAllTextAsync(marksFile, $"{mainEntered}\tMain entered\n");
    }

    var item = await dynamoDb.GetItemAsync(new GetItemRequest
    {
        TableName = table,
        Key = new() { ["id"] = new AttributeValue { S = request.RawPath?.Split('/')[^1] } },
        ConsistentRead = true,
    });
    return new APIGatewayHttpApiV2ProxyResponse
    {
        StatusCode = item.Item is { Count: > 0 } ? 200 : 404,
        Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" },
        Body = item.Item is { Count: > 0 } found ? $$"""{"id":"{{found["id"].S}}","name":"{{found["name"].S}}"}""" : "{}",
    };
}

await LambdaBootstrapBuilder.Create<APIGatewayHttpApiV2ProxyRequest, APIGatewayHttpApiV2ProxyResponse>(
        HandleAsync, new SourceGeneratorLambdaJsonSerializer<BareHandlerJson>())
    .Build()
    .RunAsync();

/// <summary>The event and answer, serialized by generated code (no reflection), as the services do.</summary>
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyRequest))]
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyResponse))]
internal sealed partial class BareHandlerJson : JsonSerializerContext;
