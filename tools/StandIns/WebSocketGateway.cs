using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Samples.StandIns;

/// <summary>
/// A local stand-in for API Gateway's WebSocket API, run by <c>make run</c> and the Chat tests as cognito-local
/// stands in for Cognito. It is configured as the template's WebSocket API is (<see cref="WebSocketApi"/>: its
/// action routes, its $connect authorizer, the request parameters of its integration) and references no service.
/// It accepts clients at ws://host/?token=&amp;room=, authorizes the handshake, and sends every event to the app as an
/// HTTP integration would: <c>POST {integration}/{routeKey}</c>, the frame as the body (route selection: the
/// frame's "action"), the request context in headers, and the integration key. It serves POST, GET and DELETE
/// /@connections/{id} as the Management API does (the key stands in for IAM), enforces the 128 KB message
/// limit and the 29 s integration timeout, and buffers per connection.
/// </summary>
public sealed partial class WebSocketGateway : IAsyncDisposable
{
    /// <summary>API Gateway's limit for one WebSocket message.</summary>
    public const int MaxMessageBytes = 128 * 1024;

    /// <summary>API Gateway's integration timeout: an event that takes longer fails.</summary>
    public static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(29);

    private readonly ConcurrentDictionary<string, LocalSocket> sockets = new(StringComparer.Ordinal);
    private readonly WebSocketApi api;
    private readonly string integrationKey;
    private readonly HttpClient events;
    private readonly ILogger logger;
    private WebApplication app = null!;

    private WebSocketGateway(Uri integration, string integrationKey, WebSocketApi api, ILogger logger)
    {
        this.api = api;
        this.integrationKey = integrationKey;
        this.logger = logger;
        events = new HttpClient { BaseAddress = integration, Timeout = EventTimeout };
    }

    /// <summary>
    /// API Gateway closes a connection that has sent nothing for 10 minutes (its idle timeout), and any connection
    /// after 2 hours; both run $disconnect. A frozen client is gone within the idle timeout. Set per gateway; a
    /// connection keeps the values it was opened with.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <inheritdoc cref="IdleTimeout"/>
    public TimeSpan MaxConnectionDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// How long each POST to /@connections/{id} takes before it is queued: API Gateway's Management API answers a post
    /// in milliseconds, not microseconds. Zero by default; the benchmark sets 15 ms.
    /// </summary>
    public TimeSpan PostDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// An access key id whose SigV4-signed calls to /@connections are accepted as well as the integration key's: the
    /// Management API client of the AWS SDK (ManagementApiMessenger), as the chat benchmark runs the fan-out.
    /// </summary>
    public string? SignedBy { get; set; }

    /// <summary>Called after each event the integration answered, with its route key and how long it took (the benchmark's probe).</summary>
    public Action<string, TimeSpan>? EventAnswered { get; set; }

    /// <summary>http://127.0.0.1:{port}: where the Management API calls go.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>ws://127.0.0.1:{port}: where clients connect.</summary>
    public Uri WebSocketUrl => new UriBuilder(Url) { Scheme = "ws" }.Uri;

    /// <summary>Starts the gateway on the port (0: any free one), in front of the app at <paramref name="integration"/>.</summary>
    public static async Task<WebSocketGateway> StartAsync(
        int port, Uri integration, string integrationKey, WebSocketApi api, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var gateway = new WebSocketGateway(integration, integrationKey, api, loggerFactory.CreateLogger<WebSocketGateway>());
        var builder = WebApplication.CreateSlimBuilder().WithoutServerBanner();
        builder.WebHost.UseKestrelCore().UseUrls($"http://127.0.0.1:{port}");
        // Only the gateway's own log lines: the server's request logs would print ?token= query strings.
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseResponseHeaders(new Dictionary<string, string> { ["X-Content-Type-Options"] = "nosniff" });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapGet("/", gateway.AcceptAsync);
        app.MapPost("/@connections/{connectionId}", gateway.PostToConnectionAsync);
        app.MapGet("/@connections/{connectionId}", gateway.GetConnection);
        app.MapDelete("/@connections/{connectionId}", gateway.DeleteConnectionAsync);
        await app.StartAsync(cancellationToken);
        gateway.app = app;
        gateway.Url = new Uri(app.Urls.First());
        return gateway;
    }

    /// <summary>A fresh integration key: the Chat app and its gateway are given the same one.</summary>
    public static string NewIntegrationKey() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in sockets.Values)
        {
            socket.Close(WebSocketCloseStatus.EndpointUnavailable, "The gateway is stopping");
        }

        await app.StopAsync();
        await app.DisposeAsync();
        events.Dispose();
    }

    /// <summary>Handles one WebSocket client from handshake to close.</summary>
    public async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        var query = context.Request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        var decision = await api.AuthorizeConnect(query, context.RequestAborted);
        if (decision is null)
        {
            // API Gateway answers a refused handshake with 401/403 and never runs $connect.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var connectionId = NewConnectionId();
        using (var connect = await SendEventAsync("$connect" + context.Request.QueryString, connectionId, decision, body: null, context.RequestAborted))
        {
            if (!connect.IsSuccessStatusCode)
            {
                context.Response.StatusCode = (int)connect.StatusCode;
                return;
            }
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var local = new LocalSocket(socket, connectionId, logger);
        sockets[connectionId] = local;
        try
        {
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, local.Dropped);
            // The limits close the socket as API Gateway does, 1001 Going Away; the receive loop then ends as for any
            // close (a client that does not answer the close frame is dropped a moment later).
            using var lifetime = new CancellationTokenSource(MaxConnectionDuration);
            using var idle = new CancellationTokenSource(IdleTimeout);
            using var overLifetime = lifetime.Token.Register(() => local.Close(WebSocketCloseStatus.EndpointUnavailable, "Going away: connection duration limit"));
            using var whenIdle = idle.Token.Register(() => local.Close(WebSocketCloseStatus.EndpointUnavailable, "Going away: idle timeout"));
            await ReceiveAsync(connectionId, local, decision, () => idle.CancelAfter(IdleTimeout), receiving.Token);
        }
        finally
        {
            sockets.TryRemove(connectionId, out _);
            local.Close(WebSocketCloseStatus.NormalClosure, "Bye");
            await local.SendingDone;
            try
            {
                using var disconnect = await SendEventAsync("$disconnect", connectionId, decision, body: null, CancellationToken.None);
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
                LogEventFailed(logger, connectionId, StatusCodes.Status504GatewayTimeout);
            }
        }
    }

    /// <summary>POST /@connections/{id}: what the Management API's PostToConnection does.</summary>
    public async Task<IResult> PostToConnectionAsync(HttpContext context, string connectionId)
    {
        if (!IsManagementCall(context))
        {
            return ManagementApiError.Forbidden;
        }

        if (!sockets.TryGetValue(connectionId, out var local))
        {
            return ManagementApiError.Gone;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length > MaxMessageBytes)
        {
            return ManagementApiError.PayloadTooLarge;
        }

        if (PostDelay > TimeSpan.Zero)
        {
            await Task.Delay(PostDelay, context.RequestAborted);
        }

        // Queued, not sent: like API Gateway, a client that reads slowly delays only itself.
        return local.TryEnqueue(buffer.ToArray())
            ? TypedResults.Ok()
            : ManagementApiError.Gone;
    }

    /// <summary>GET /@connections/{id}: 200 while the socket is open, 410 once it is gone.</summary>
    public IResult GetConnection(HttpContext context, string connectionId) =>
        !IsManagementCall(context) ? ManagementApiError.Forbidden
        : sockets.TryGetValue(connectionId, out var local) ? TypedResults.Ok(new { connectedAt = local.ConnectedAt })
        : ManagementApiError.Gone;

    /// <summary>DELETE /@connections/{id}: closes the socket, as DeleteConnection does.</summary>
    public async Task<IResult> DeleteConnectionAsync(HttpContext context, string connectionId)
    {
        if (!IsManagementCall(context))
        {
            return ManagementApiError.Forbidden;
        }

        if (!sockets.TryRemove(connectionId, out var local))
        {
            return ManagementApiError.Gone;
        }

        local.Close(WebSocketCloseStatus.NormalClosure, "Closed by the server");
        return TypedResults.NoContent();
    }

    private async Task ReceiveAsync(string connectionId, LocalSocket local, IReadOnlyDictionary<string, string> identity, Action heardFrom, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (local.Socket.State == WebSocketState.Open)
        {
            WebSocketReceiveResult received;
            try
            {
                received = await local.Socket.ReceiveAsync(chunk, cancellationToken);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                return; // the client went away without a close handshake
            }

            if (received.MessageType == WebSocketMessageType.Close)
            {
                local.Close(WebSocketCloseStatus.NormalClosure, "Bye");
                return;
            }

            heardFrom();
            message.Write(chunk, 0, received.Count);
            if (message.Length > MaxMessageBytes)
            {
                // API Gateway closes the connection with 1009 when a message exceeds 128 KB.
                local.Close(WebSocketCloseStatus.MessageTooBig, "Message too big: the limit is 128 KB");
                return;
            }

            if (!received.EndOfMessage)
            {
                continue;
            }

            var body = message.ToArray();
            message.SetLength(0);
            await RouteFrameAsync(connectionId, local, identity, body, cancellationToken);
        }
    }

    /// <summary>
    /// Runs the frame's route. An event that fails or outlives API Gateway's 29 s integration timeout
    /// costs the sender an error frame, never the connection.
    /// </summary>
    private async Task RouteFrameAsync(string connectionId, LocalSocket local, IReadOnlyDictionary<string, string> identity, byte[] body, CancellationToken cancellationToken)
    {
        int? status;
        try
        {
            var routeKey = RouteKey(body);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var response = await SendEventAsync(routeKey, connectionId, identity, body, cancellationToken);
            EventAnswered?.Invoke(routeKey, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            status = response.IsSuccessStatusCode ? null : (int)response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            status = StatusCodes.Status504GatewayTimeout;
        }

        if (status is { } failed)
        {
            LogEventFailed(logger, connectionId, failed);
            local.TryEnqueue(Encoding.UTF8.GetBytes(new JsonObject
            {
                ["type"] = "error",
                ["code"] = "event_failed",
                ["message"] = $"The service could not handle this frame (status {failed}); nothing was sent. Try again.",
            }.ToJsonString()));
        }
    }

    /// <summary>Route selection $request.body.action: a route of the API, else $default.</summary>
    private string RouteKey(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("action", out var action)
                && action.ValueKind == JsonValueKind.String
                && api.Actions.Contains(action.GetString()!)
                ? action.GetString()!
                : "$default";
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return "$default"; // not JSON, or an "action" holding a lone surrogate
        }
    }

    private async Task<HttpResponseMessage> SendEventAsync(string pathAndQuery, string connectionId, IReadOnlyDictionary<string, string> identity, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery)
        {
            Content = new ByteArrayContent(body ?? []) { Headers = { ContentType = new("application/json") } },
        };
        // The integration's request parameters, as the app names them (values URI-escaped: headers are ASCII).
        request.Headers.Add(api.Integration.KeyHeader, integrationKey);
        request.Headers.Add(api.Integration.ConnectionIdHeader, connectionId);
        foreach (var (header, key) in api.Integration.ContextHeaders)
        {
            request.Headers.Add(header, Uri.EscapeDataString(identity.GetValueOrDefault(key, "")));
        }
        return await events.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// The key stands in for the IAM signature the Management API wants; or, with <see cref="SignedBy"/>, a call the AWS
    /// SDK's client signed (SigV4 for execute-api) with that access key. The signature itself is not checked: the
    /// stand-in holds no secret, and what the bench measures is the real client's work, signing and retries included.
    /// </summary>
    private bool IsManagementCall(HttpContext context) =>
        (context.Request.Headers[api.Integration.KeyHeader].ToString() is { } presented
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(integrationKey)))
        || (SignedBy is { Length: > 0 } accessKey
            && context.Request.Headers.Authorization.ToString() is var authorization
            && authorization.StartsWith($"AWS4-HMAC-SHA256 Credential={accessKey}/", StringComparison.Ordinal)
            && authorization.Contains("/execute-api/aws4_request", StringComparison.Ordinal));

    /// <summary>Ids shaped like API Gateway's: 12 random bytes, base64.</summary>
    private static string NewConnectionId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('/', '_').Replace('+', '-');

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local gateway: the event of connection {ConnectionId} answered {Status}")]
    private static partial void LogEventFailed(ILogger logger, string connectionId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local gateway: connection {ConnectionId} fell {Frames} frames behind; closed, as it stopped reading")]
    private static partial void LogSlowClientClosed(ILogger logger, string connectionId, int frames);

    /// <summary>
    /// One client socket with its own bounded outbound queue, drained by its own sender, as API Gateway
    /// buffers per connection: a client that stops reading never delays a post to anyone else. One that
    /// falls <see cref="MaxQueuedFrames"/> frames behind, or blocks a send for <see cref="SendTimeout"/>, is
    /// aborted; its posts then answer 410, as for any gone connection.
    /// </summary>
    private sealed class LocalSocket
    {
        public const int MaxQueuedFrames = 256;
        public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

        private readonly WebSocket socket;
        private readonly string connectionId;
        private readonly ILogger logger;
        private readonly Channel<byte[]> outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxQueuedFrames) { SingleReader = true });
        private readonly CancellationTokenSource dropped = new();
        private (WebSocketCloseStatus Status, string Reason)? closing;

        public LocalSocket(WebSocket socket, string connectionId, ILogger logger)
        {
            this.socket = socket;
            this.connectionId = connectionId;
            this.logger = logger;
            SendingDone = Task.Run(SendLoopAsync);
        }

        public WebSocket Socket => socket;

        /// <summary>Cancelled when the server drops the connection: closed by DELETE /@connections/{id}, or too slow.</summary>
        public CancellationToken Dropped => dropped.Token;

        public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

        /// <summary>Completes when the queue is drained and the close frame sent (or the socket aborted).</summary>
        public Task SendingDone { get; }

        /// <returns>False when the connection is closing or gone.</returns>
        public bool TryEnqueue(byte[] frame)
        {
            if (outbound.Writer.TryWrite(frame))
            {
                return true;
            }

            if (closing is null && !dropped.IsCancellationRequested)
            {
                LogSlowClientClosed(logger, connectionId, MaxQueuedFrames);
                Abort();
            }

            return false;
        }

        /// <summary>Sends what is queued, then a close frame; the receive loop then ends and $disconnect runs.</summary>
        public void Close(WebSocketCloseStatus status, string reason)
        {
            closing ??= (status, reason);
            outbound.Writer.TryComplete();
        }

        private void Abort()
        {
            outbound.Writer.TryComplete();
            socket.Abort();
            dropped.Cancel();
        }

        private async Task SendLoopAsync()
        {
            try
            {
                await foreach (var frame in outbound.Reader.ReadAllAsync())
                {
                    using var timeout = new CancellationTokenSource(SendTimeout);
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                }

                if (closing is { } close && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    // Send the close frame without waiting for the client's answer, as API Gateway drops a
                    // connection it closes; give the client a moment to answer, then stop waiting.
                    using var timeout = new CancellationTokenSource(SendTimeout);
                    await socket.CloseOutputAsync(close.Status, close.Reason, timeout.Token);
                    dropped.CancelAfter(TimeSpan.FromSeconds(1));
                }
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Gone, or stuck on a client that does not read: drop it so that it stops holding the queue.
                Abort();
            }
        }
    }
}

/// <summary>
/// What the template's WebSocket API is configured with, given to <see cref="WebSocketGateway"/> by whoever hosts it
/// (`make run`, the tests, the benchmark), so that the stand-in references no service.
/// </summary>
/// <param name="Actions">The route keys $request.body.action selects: the API's routes but $connect, $disconnect and $default
/// (<see cref="SamTemplate.WebSocketActions"/> reads them from the template).</param>
/// <param name="AuthorizeConnect">The $connect authorizer: the handshake's query string in; its context out when it allows
/// the connection, null when it refuses.</param>
/// <param name="Integration">How an event reaches the app over HTTP.</param>
public sealed record WebSocketApi(
    IReadOnlySet<string> Actions,
    Func<IReadOnlyDictionary<string, string>, CancellationToken, Task<IReadOnlyDictionary<string, string>?>> AuthorizeConnect,
    IntegrationRequest Integration);

/// <summary>
/// The headers an HTTP integration's request parameters put the request context in, as the app reads them: the key
/// that stands in for IAM (also on Management API calls), the connection id, and each authorizer context entry
/// (header name to context key).
/// </summary>
public sealed record IntegrationRequest(string KeyHeader, string ConnectionIdHeader, IReadOnlyDictionary<string, string> ContextHeaders);
