using Samples.Products;
using Samples.ServiceDefaults;

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults(ApiGatewayKind.HttpApi);
builder.Services.AddProducts();

var app = builder.Build();

app.UseServiceDefaults();
app.MapProductsApi();

app.Run();

/// <summary>The entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
