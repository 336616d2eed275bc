using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

// The cold-start floors: the least code that does each job, started the same way as the services.
// - GET /products/{id}: a minimal API with no I/O (a hello world);
// - GET /me: the job of a service's authenticated read: validate a Cognito bearer token (JwtBearer, keys from
//   the pool) and read the caller's item with one GetItem (Floor:TableName, a table shaped like ProductsTable).
//   No validation, problem details, logging or options.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddAuthentication().AddJwtBearer(jwt =>
{
    jwt.Authority = builder.Configuration["Auth:Authority"];
    jwt.RequireHttpsMetadata = false;
    jwt.MapInboundClaims = false;
    jwt.TokenValidationParameters.ValidAudience = builder.Configuration["Auth:Audience"];
});
builder.Services.AddAuthorization();
builder.Services.AddSingleton<IAmazonDynamoDB>(_ => new AmazonDynamoDBClient(
    new BasicAWSCredentials("local", "local"),
    new AmazonDynamoDBConfig { ServiceURL = builder.Configuration["DynamoDB:ServiceUrl"], AuthenticationRegion = "us-east-1" }));

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/products/{id}", (string id) => TypedResults.Text($$"""{"id":"{{id}}"}""", "application/json"));
app.MapGet("/me", async (HttpContext context, IAmazonDynamoDB dynamoDb) =>
{
    var item = await dynamoDb.GetItemAsync(new GetItemRequest
    {
        TableName = builder.Configuration["Floor:TableName"],
        Key = new() { ["id"] = new AttributeValue { S = context.User.FindFirst("sub")?.Value } },
        ConsistentRead = true,
    });
    // 200 either way: the read is the work being timed, whether or not the caller has an item.
    return Results.Text($$"""{"found":{{(item.Item is { Count: > 0 } ? "true" : "false")}}}""", "application/json");
}).RequireAuthorization();
app.Run();
