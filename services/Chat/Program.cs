using Samples.Chat;
using Samples.ServiceDefaults;

var builder = WebApplication.CreateSlimBuilder(args);

// Events carry whole WebSocket messages: up to API Gateway's 128 KB, not the HTTP services' 64 KB.
builder.AddServiceDefaults(ApiGatewayKind.WebSocketApi, maxRequestBodyBytes: LocalWebSocketGateway.MaxMessageBytes);
builder.Services.AddChat();

var app = builder.Build();

app.UseServiceDefaults();
app.MapChatEvents();
if (!LambdaHosting.IsRunningInLambda)
{
    app.MapLocalWebSocketGateway();
}

app.Run();

/// <summary>The entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
