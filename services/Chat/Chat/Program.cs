using Microsoft.Extensions.Options;
using Samples.Chat;
using Samples.Chat.Rooms;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Data;

var builder = WebApplication.CreateSlimBuilder(args);

// Events carry whole WebSocket messages: up to API Gateway's 128 KB, not the HTTP services' 64 KB. The deadline is the
// HTTP services' 5 s: sendMessage only stores (the fan-out function delivers), and announcements have a budget of their own.
builder.AddServiceDefaults(maxRequestBodyBytes: WebSocketEvent.MaxMessageBytes);
builder.AddLambdaHosting(LambdaEventSource.WebsocketApi);

builder.Services.AddTableServiceOptions<ChatOptions, ChatOptionsValidator>(ChatOptions.SectionName, (options, section) => section.Bind(options));
builder.Services.AddSingleton<ConnectionRepository>();
builder.Services.AddSingleton<PresenceRepository>();
builder.Services.AddSingleton<StaleConnections>();
builder.Services.AddSingleton<MessageRepository>();
builder.Services.AddSingleton<Broadcaster>();
builder.Services.AddSingleton(provider => IConnectionMessenger.For(provider.GetRequiredService<IOptions<ChatOptions>>().Value));
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ChatJson.Default));

var app = builder.Build();

app.UseServiceDefaults();
app.MapChatEvents();

app.Run();

/// <summary>The entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
