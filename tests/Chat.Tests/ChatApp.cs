using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Samples.LocalDev;

namespace Samples.Chat.Tests;

/// <summary>The Chat app on a real Kestrel port (WebSocket clients need one), with its own ConnectionsTable.</summary>
public sealed class ChatApp() : ServiceApp<Program>("ConnectionsTable")
{
    public string Table => TableName("ConnectionsTable");

    public Uri WebSocketBase { get; private set; } = null!;

    public Uri HttpBase { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpBase = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        WebSocketBase = new UriBuilder(HttpBase) { Scheme = "ws" }.Uri;
    }

    /// <summary>Opens a client socket as a browser would: token and room in the query string.</summary>
    public async Task<ChatClient> ConnectAsync(string userId, string? room = null) =>
        new(await ChatSocketClient.ConnectAsync(WebSocketBase, TestIssuer.Token(userId), room, TestContext.Current.CancellationToken));

    /// <summary>Tries a handshake that should be refused; returns the HTTP status the gateway answered.</summary>
    public async Task<HttpStatusCode> RefusedHandshakeAsync(string query)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(WebSocketBase, "/" + query), TestContext.Current.CancellationToken));
        return socket.HttpStatusCode;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> ServiceSettings(IReadOnlyDictionary<string, string> tables) =>
        [new("Chat:TableName", tables["ConnectionsTable"])];
}

/// <summary>The shared chat client, with this test's cancellation token and default waits.</summary>
public sealed class ChatClient(ChatSocketClient client) : IAsyncDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public Task SendAsync(string frame) => client.SendAsync(frame, Cancel);

    public Task SendMessageAsync(string text) => client.SendMessageAsync(text, Cancel);

    public Task<JsonObject?> ReceiveAsync(TimeSpan? wait = null) => client.ReceiveAsync(wait ?? TimeSpan.FromSeconds(10), Cancel);

    public Task<WebSocketCloseStatus?> ClosedAsync() => client.ClosedAsync(TimeSpan.FromSeconds(10), Cancel);

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
