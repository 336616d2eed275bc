using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Chat.Tests;

/// <summary>
/// The Chat app on a real Kestrel port with its own ConnectionsTable, behind the WebSocket API stand-in of
/// tools/StandIns (as `make run` runs it): clients connect to the gateway, which calls the app over HTTP.
/// </summary>
public class ChatApp() : ServiceApp<Program>("ConnectionsTable", "MessagesTable")
{
    private readonly int port = DynamoDbLocal.FreePort();

    public string Table => TableName("ConnectionsTable");

    public string MessagesTable => TableName("MessagesTable");

    /// <summary>The key the app and its gateway share; only the gateway sends it.</summary>
    public string IntegrationKey { get; } = WebSocketGateway.NewIntegrationKey();

    /// <summary>The $connect authorizer's decision, as the gateway uses it, with the test issuer as the pool.</summary>
    public ChatAuthorizer Authorizer { get; } = new(
        CognitoTokenValidator.Create(new CognitoAuthOptions { Authority = TestIssuer.Authority, Audience = TestIssuer.ClientId }, new HttpClient(new TestIssuer())),
        NullLogger<ChatAuthorizer>.Instance);

    public WebSocketGateway Gateway { get; private set; } = null!;

    /// <summary>The MessagesTable stream's event source mapping, invoking the fan-out in this process.</summary>
    public StreamEventSourceMapping FanOutMapping { get; private set; } = null!;

    private ServiceProvider? fanOut;

    /// <summary>The fan-out function's services, in this process.</summary>
    public IServiceProvider FanOutServices => fanOut!;

    /// <summary>Where clients connect: the gateway.</summary>
    public Uri WebSocketBase => Gateway.WebSocketUrl;

    /// <summary>The Chat app itself, as the gateway's HTTP integration reaches it.</summary>
    public Uri HttpBase => new($"http://127.0.0.1:{port}/");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Gateway = await WebSocketGateway.StartAsync(0, HttpBase, IntegrationKey, WebSocketApi(Authorizer), NullLoggerFactory.Instance, TestContext.Current.CancellationToken);
        UseKestrel(port);
        StartServer();
        var dynamoDbUrl = await DynamoDbEndpoint.UrlAsync();
        var settings = new ConfigurationBuilder().AddInMemoryCollection(
            [new("DynamoDB:ServiceUrl", dynamoDbUrl), .. ServiceSettings(new Dictionary<string, string> { ["ConnectionsTable"] = Table, ["MessagesTable"] = MessagesTable })]).Build();
        fanOut = FanOutFunction.ConfigureServices(new ServiceCollection(), settings, NullLoggerFactory.Instance).BuildServiceProvider();
        FanOutMapping = await StreamEventSourceMapping.StartAsync(dynamoDbUrl, MessagesTable,
            StreamEventSourceMapping.InProcess((input, token) => FanOutFunction.InvokeAsync(fanOut, input, token)), NullLogger.Instance, cancellationToken: TestContext.Current.CancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (FanOutMapping is not null)
        {
            await FanOutMapping.DisposeAsync();
        }

        fanOut?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>
    /// The template's WebSocket API as the gateway stand-in needs it, as `make run` gives it (tools/LocalDev/LocalStack.cs):
    /// its action routes, the $connect authorizer's decision, and the headers the app reads the request context from.
    /// </summary>
    public static WebSocketApi WebSocketApi(ChatAuthorizer authorizer) => new(
        SamTemplate.Load().WebSocketActions("ChatApi"),
        async (query, token) => await authorizer.AuthorizeAsync(query, "local:$connect", token) is { IsAllowed: true } decision ? decision.Context : null,
        new IntegrationRequest(IntegrationHeaders.Key, IntegrationHeaders.ConnectionId, new Dictionary<string, string>
        {
            [IntegrationHeaders.UserId] = ChatAuthorizer.UserIdKey,
            [IntegrationHeaders.DisplayName] = ChatAuthorizer.DisplayNameKey,
        }));

    /// <summary>Opens a client socket as a browser would: token and room in the query string.</summary>
    public async Task<ChatClient> ConnectAsync(string userId, string? room = null) =>
        new(await ChatSocketClient.ConnectAsync(WebSocketBase, TestIssuer.Token(userId), room, TestContext.Current.CancellationToken));

    /// <summary>Opens a client socket with a token of the test's own shape (names, e-mail...).</summary>
    public async Task<ChatClient> ConnectWithTokenAsync(string token, string? room = null) =>
        new(await ChatSocketClient.ConnectAsync(WebSocketBase, token, room, TestContext.Current.CancellationToken));

    /// <summary>Tries a handshake that should be refused; returns the HTTP status the gateway answered.</summary>
    public async Task<HttpStatusCode> RefusedHandshakeAsync(string query)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(WebSocketBase, "/" + query), TestContext.Current.CancellationToken));
        return socket.HttpStatusCode;
    }

    /// <summary>The app's clock (its TimeProvider): the system's, until a test moves it forward.</summary>
    public TestClock Clock { get; } = new();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    protected override IEnumerable<KeyValuePair<string, string?>> ServiceSettings(IReadOnlyDictionary<string, string> tables) =>
    [
        new("Chat:TableName", tables["ConnectionsTable"]),
        new("Chat:MessagesTableName", tables["MessagesTable"]),
        new("Chat:ConnectionsEndpoint", Gateway.Url.ToString()),
        new("Chat:IntegrationKey", IntegrationKey),
        .. MoreSettings,
    ];

    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];
}

/// <summary>The Chat app whose fan-out reads a room a few connections at a time, so that a room spans several pages.</summary>
public sealed class SmallPagesChatApp : ChatApp
{
    public const int PageSize = 7;

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("Chat:DeliveryPageSize", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];
}

/// <summary>The Chat app with a send allowance no test of load or slow clients reaches (the default is 5 a second).</summary>
public sealed class UnthrottledChatApp : ChatApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("Chat:SendRatePerSecond", "1000"),
        new("Chat:SendBurst", "1000"),
    ];
}

/// <summary>The shared chat client, with this test's cancellation token and default waits.</summary>
public sealed class ChatClient(ChatSocketClient client) : IAsyncDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public Task SendAsync(string frame) => client.SendAsync(frame, Cancel);

    public Task SendMessageAsync(string text) => client.SendMessageAsync(text, Cancel);

    /// <summary>The next frame other than presence (members coming and going): most tests are about something else.</summary>
    public Task<JsonObject?> ReceiveAsync(TimeSpan? wait = null) => client.ReceiveAsync(wait ?? TimeSpan.FromSeconds(10), Cancel, skipping: "presence");

    /// <summary>The next frame of <paramref name="type"/>, passing over any other (deliveries of messages, presence).</summary>
    public async Task<JsonObject?> NextAsync(string type, TimeSpan? wait = null)
    {
        var deadline = DateTime.UtcNow + (wait ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline && await client.ReceiveAsync(deadline - DateTime.UtcNow, Cancel) is { } frame)
        {
            if (frame["type"]?.GetValue<string>() == type)
            {
                return frame;
            }
        }

        return null;
    }

    /// <summary>The next frame of any type.</summary>
    public Task<JsonObject?> ReceiveAnyAsync(TimeSpan? wait = null) => client.ReceiveAsync(wait ?? TimeSpan.FromSeconds(10), Cancel);

    public Task<WebSocketCloseStatus?> ClosedAsync() => client.ClosedAsync(TimeSpan.FromSeconds(10), Cancel);

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
