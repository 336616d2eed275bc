using Samples.BuildingBlocks.Idempotency;
using Samples.Products;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Data;

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults();
builder.AddIdempotencyKeys();
// SnapStart warms the catalogue's two reads, the product a missing one (ids are 32 hexadecimal characters).
builder.AddLambdaHosting(LambdaEventSource.HttpApi, new SnapStartWarmUp { AnonymousReads = ["/products?limit=1", "/products/" + new string('0', 32)] });

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
