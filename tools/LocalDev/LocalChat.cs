using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.Chat.Authorizer;
using Samples.Chat.Fanout;
using Samples.Chat.Rooms;
using Samples.ServiceDefaults.Authentication;

namespace Samples.LocalDev;

/// <summary>
/// Chat behind the stand-ins, as `make run` hosts it: the WebSocket API stand-in in front of the Chat app, configured as
/// the template's API is (its action routes, Chat's $connect authorizer, the headers Chat's app reads the request
/// context from), and the MessagesTable stream's event source mapping invoking the fan-out function in this process.
/// Everything here is Chat's; the stand-ins themselves know no service.
/// </summary>
public sealed class LocalChat : IAsyncDisposable
{
    private readonly WebSocketGateway gateway;
    private readonly ServiceProvider fanOut;
    private readonly StreamEventSourceMapping fanOutMapping;

    private LocalChat(WebSocketGateway gateway, ServiceProvider fanOut, StreamEventSourceMapping fanOutMapping) =>
        (this.gateway, this.fanOut, this.fanOutMapping) = (gateway, fanOut, fanOutMapping);

    /// <param name="port">The gateway's port.</param>
    /// <param name="chat">The Chat app: its URL is the integration, its environment the fan-out's configuration.</param>
    /// <param name="integrationKey">The key the app and its gateway share.</param>
    /// <param name="identity">The Cognito emulator's pool, whose tokens the authorizer accepts.</param>
    /// <param name="dynamoDbUrl">DynamoDB Local, whose MessagesTable stream the mapping reads.</param>
    /// <param name="template">infra/template.yaml, for the API's routes.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="loggerFactory">The stand-ins' and the fan-out's logging.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<LocalChat> StartAsync(
        int port, LocalService chat, string integrationKey, LocalIdentity identity, string dynamoDbUrl, SamTemplate template,
        Action<string> log, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        log($"WebSocket gateway   starting on port {port} (stand-in for the WebSocket API, in front of chat)");
        var authorizer = new ChatAuthorizer(
            CognitoTokenValidator.Create(new CognitoAuthOptions { Authority = identity.Issuer, Audience = identity.ClientId }),
            loggerFactory.CreateLogger<ChatAuthorizer>());
        var api = new WebSocketApi(
            template.WebSocketActions("ChatApi"),
            async (query, token) => await authorizer.AuthorizeAsync(query, "local:$connect", token) is { IsAllowed: true } decision ? decision.Context : null,
            new IntegrationRequest(IntegrationHeaders.Key, IntegrationHeaders.ConnectionId, new Dictionary<string, string>
            {
                [IntegrationHeaders.UserId] = ChatAuthorizer.UserIdKey,
                [IntegrationHeaders.DisplayName] = ChatAuthorizer.DisplayNameKey,
            }));
        var gateway = await WebSocketGateway.StartAsync(port, new Uri(chat.Url), integrationKey, api, loggerFactory, cancellationToken);

        log("Chat fan-out        reading MessagesTable's stream (stand-in for the event source mapping), delivering through the gateway");
        var settings = chat.Environment.Select(pair => new KeyValuePair<string, string?>(pair.Key.Replace("__", ":", StringComparison.Ordinal), pair.Value))
            .Append(new("DynamoDB:ServiceUrl", dynamoDbUrl));
        var fanOut = FanOutFunction.ConfigureServices(new ServiceCollection(), new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), loggerFactory)
            .BuildServiceProvider();
        var mapping = await StreamEventSourceMapping.StartAsync(dynamoDbUrl, "MessagesTable",
            StreamEventSourceMapping.InProcess((input, token) => FanOutFunction.InvokeAsync(fanOut, input, token)),
            loggerFactory.CreateLogger<StreamEventSourceMapping>(), cancellationToken: cancellationToken);
        return new LocalChat(gateway, fanOut, mapping);
    }

    public async ValueTask DisposeAsync()
    {
        await fanOutMapping.DisposeAsync();
        await fanOut.DisposeAsync();
        await gateway.DisposeAsync();
    }
}
