using Samples.BuildingBlocks.Idempotency;
using Samples.Products;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Authentication;
using Samples.ServiceDefaults.Data;

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults();
builder.AddIdempotencyKeys();
// SnapStart runs every route before its snapshot, changing nothing: the catalogue's reads, and as an admin a create
// that fails validation, a replace and a delete of a product that does not exist (ids are 32 hexadecimal characters);
// and a product's JSON, for a catalogue with none to read.
var noProduct = new string('0', 32);
var nowhere = "/products/" + noProduct;
builder.AddLambdaHosting(LambdaEventSource.HttpApi, new SnapStartWarmUp
{
    Requests =
    [
        new("GET", "/products?limit=1"),
        new("GET", nowhere),
        new("POST", "/products", Body: "{}", SignedIn: true, Group: CognitoGroups.Admin),
        new("PUT", nowhere, Body: """{"name": "Warm-up", "price": 1, "currency": "EUR"}""", IfMatch: "\"1\"", SignedIn: true, Group: CognitoGroups.Admin),
        new("DELETE", nowhere, IfMatch: "\"1\"", SignedIn: true, Group: CognitoGroups.Admin),
    ],
    Answers = [Product.Create(noProduct, new ProductDraft("Warm-up", null, 1m, "EUR", ["warm-up"]), DateTimeOffset.UnixEpoch, SnapStartWarmUp.Subject)],
});

builder.Services.AddTableServiceOptions<ProductsOptions, ProductsOptionsValidator>(ProductsOptions.SectionName, (options, section) => section.Bind(options));
builder.Services.AddSingleton<ProductRepository>();
// Built-in minimal-API validation. Called here, not in the service defaults: its source generator finds
// the validatable types of the calling assembly.
builder.Services.AddValidation();
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ProductsJsonContext.Default));

var app = builder.Build();

app.UseServiceDefaults();
app.MapProductsApi();

app.Run();

/// <summary>The entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
