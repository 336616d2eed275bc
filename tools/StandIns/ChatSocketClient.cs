using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Samples.StandIns;

/// <summary>
/// A chat client as a browser would be one: ?token=&amp;room= on the handshake, JSON frames both ways.
/// A pump reads frames into a channel, so waiting for a frame that never comes does not abort the socket.
/// Used by `make demo`, the benchmark and the tests.
/// </summary>
public sealed class ChatSocketClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket;
    private readonly Channel<JsonObject> frames = Channel.CreateUnbounded<JsonObject>();
    private readonly Task pump;

    private ChatSocketClient(ClientWebSocket socket)
    {
        this.socket = socket;
        pump = Task.Run(PumpAsync);
    }

    public static async Task<ChatSocketClient> ConnectAsync(Uri gateway, string token, string? room, CancellationToken cancellationToken)
    {
        var query = $"?token={Uri.EscapeDataString(token)}" + (room is null ? "" : $"&room={Uri.EscapeDataString(room)}");
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(new Uri(gateway, "/" + query), cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ChatSocketClient(socket);
    }

    public Task SendAsync(string frame, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    public Task SendMessageAsync(string text, CancellationToken cancellationToken) =>
        SendAsync(new JsonObject { ["action"] = "sendMessage", ["text"] = text }.ToJsonString(), cancellationToken);

    /// <summary>
    /// The next frame (passing over frames whose type is <paramref name="skipping"/>, such as "presence"), or null
    /// when none arrives within <paramref name="wait"/> or the socket closed.
    /// </summary>
    public async Task<JsonObject?> ReceiveAsync(TimeSpan wait, CancellationToken cancellationToken, string? skipping = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            while (true)
            {
                var frame = await frames.Reader.ReadAsync(timeout.Token);
                if (skipping is null || frame["type"]?.GetValue<string>() != skipping)
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Waits until the server closed the socket; returns its close status.</summary>
    public async Task<WebSocketCloseStatus?> ClosedAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        await pump.WaitAsync(wait, cancellationToken);
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
            // the connection dropped; readers see the channel complete
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
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }
        }

        await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(5)));
        socket.Dispose();
    }
}
