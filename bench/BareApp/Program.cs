var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();
app.MapGet("/products/{id}", (string id) => TypedResults.Text($$"""{"id":"{{id}}"}""", "application/json"));
app.Run();
