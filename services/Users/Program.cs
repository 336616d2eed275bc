using Samples.ServiceDefaults;
using Samples.Users;

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults(ApiGatewayKind.RestApi);
builder.Services.AddUsers();

var app = builder.Build();

app.UseServiceDefaults();
app.MapUsersApi();

app.Run();

/// <summary>The entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
