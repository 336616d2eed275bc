using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task<ChatClient> ConnectAsync(string userId, string? room = null, string? token = null)
    {
        var query = $"?token={Uri.EscapeDataString(token ?? TestIssuer.Token(userId))}" + (room is null ? "" : $"&room={Uri.EscapeDataString(room)}");
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(WebSocketBase, "/" + query), TestContext.Current.CancellationToken);
        return new ChatClient(socket);
    }

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

/// <summary>
/// A test's WebSocket client. A pump reads frames into a channel, so waiting for a frame that never comes
/// (cancelling the wait) does not abort the socket.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket;
    private readonly System.Threading.Channels.Channel<JsonObject> frames = System.Threading.Channels.Channel.CreateUnbounded<JsonObject>();
    private readonly Task pump;

    public ChatClient(ClientWebSocket socket)
    {
        this.socket = socket;
        pump = Task.Run(PumpAsync);
    }

    public ClientWebSocket Socket => socket;

    public Task SendAsync(string frame) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

    public Task SendMessageAsync(string text) => SendAsync(new JsonObject { ["action"] = "sendMessage", ["text"] = text }.ToJsonString());

    /// <summary>The next frame, or null when none arrives within <paramref name="wait"/> or the socket closed.</summary>
    public async Task<JsonObject?> ReceiveAsync(TimeSpan? wait = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(wait ?? TimeSpan.FromSeconds(10));
        try
        {
            return await frames.Reader.ReadAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Waits until the server closed the socket; returns its close status.</summary>
    public async Task<WebSocketCloseStatus?> ClosedAsync()
    {
        await pump.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        return socket.CloseStatus;
    }

    private async Task PumpAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                frames.Writer.TryWrite(JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length))!.AsObject());
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }
        }

        await pump.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        socket.Dispose();
    }
}
