using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Samples.ServiceDefaults.Data;
using Samples.ServiceDefaults.Validation;

namespace Samples.Chat;

/// <summary>
/// The WebSocket routes, as Amazon.Lambda.AspNetCoreServer delivers them: POST /{routeKey} with the frame
/// as the body. The routes reply through the Management API, not in the HTTP response: the HTTP status only
/// tells API Gateway whether to accept a handshake. Each handler's <see cref="WebSocketEvent"/> parameter
/// refuses requests that are not events from the gateway.
/// </summary>
public static class ChatEvents
{
    public const string Connect = "/$connect";
    public const string Disconnect = "/$disconnect";
    public const string Default = "/$default";
    public const string SendMessage = "/sendMessage";
    public const string JoinRoom = "/joinRoom";

    /// <summary>The action routes (route selection: $request.body.action); anything else goes to $default.</summary>
    public static readonly IReadOnlySet<string> Actions = new HashSet<string>(StringComparer.Ordinal) { "sendMessage", "joinRoom" };

    private const string NotConnected = "This connection is not registered; reconnect.";

    public static IEndpointRouteBuilder MapChatEvents(this IEndpointRouteBuilder app)
    {
        // The gateway authorized $connect already (the ChatAuthorizer function).
        var events = app.MapGroup("").WithTags("WebSocket events").AllowAnonymous();
        events.MapPost(Connect, OnConnect);
        events.MapPost(Disconnect, OnDisconnect);
        events.MapPost(SendMessage, OnSendMessage);
        events.MapPost(JoinRoom, OnJoinRoom);
        events.MapPost(Default, OnDefault);
        return app;
    }

    public static async Task<IResult> OnConnect(
        WebSocketEvent origin, HttpContext context, WriteToken token, ConnectionRepository connections, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (origin.UserId is not { } userId)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden); // no authorizer context: never store a connection
        }

        var room = context.Request.Query["room"].ToString() is { Length: > 0 } requested ? requested : Rooms.Default;
        if (!Rooms.Name().IsMatch(room))
        {
            return TypedResults.BadRequest();
        }

        try
        {
            var added = await connections.AddAsync(new Connection(origin.ConnectionId, userId, origin.DisplayName ?? userId, room, clock.GetUtcNow()), token, cancellationToken);
            return added ? TypedResults.Ok() : TypedResults.Conflict();
        }
        catch (Exception exception) when (DependencyFailure.IsDependencyFailure(exception, cancellationToken))
        {
            // The handshake is refused (503), yet an attempt may have stored the record before its answer was lost:
            // take it back, so that a refused handshake leaves no connection behind.
            await connections.RemoveOwnAsync(origin.ConnectionId, token);
            throw;
        }
    }

    public static async Task<IResult> OnDisconnect(WebSocketEvent origin, ConnectionRepository connections, CancellationToken cancellationToken)
    {
        await connections.RemoveAsync(origin.ConnectionId, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<IResult> OnSendMessage(
        WebSocketEvent origin, HttpContext context, ConnectionRepository connections, Broadcaster broadcaster, TimeProvider clock, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(context, ChatJson.Default.SendMessageFrame, cancellationToken);
        string? problem = frame switch
        {
            null => "The frame must be a JSON object with action, text and optionally room.",
            { Text: null or "" } => "text is required.",
            { Text.Length: > Rooms.MaxTextLength } => $"text can be at most {Rooms.MaxTextLength} characters.",
            { Text: { } text } when !TextRules.IsVisibleText(text)
                => "text needs a visible character, and no control characters other than line breaks and tabs.",
            _ => null,
        };
        if (problem is not null)
        {
            return await RefuseAsync(broadcaster, origin, "invalid_frame", problem, cancellationToken);
        }

        if (await connections.GetAsync(origin.ConnectionId, cancellationToken) is not { } sender)
        {
            return await RefuseAsync(broadcaster, origin, "not_connected", NotConnected, cancellationToken);
        }

        if (frame!.Room is { } room && room != sender.Room)
        {
            return await RefuseAsync(broadcaster, origin, "not_in_room", $"You are in room '{sender.Room}'; join '{room}' first.", cancellationToken);
        }

        var now = clock.GetUtcNow();
        var message = new ChatMessage(Guid.CreateVersion7(now).ToString("N"), sender.Room, new Sender(sender.UserId, sender.DisplayName), frame.Text!, now);
        await broadcaster.BroadcastAsync(origin, message, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<IResult> OnJoinRoom(
        WebSocketEvent origin, HttpContext context, ConnectionRepository connections, Broadcaster broadcaster, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(context, ChatJson.Default.JoinRoomFrame, cancellationToken);
        if (frame?.Room is not { } room || !Rooms.Name().IsMatch(room))
        {
            return await RefuseAsync(broadcaster, origin, "invalid_frame", "room must be 1 to 64 letters, digits, '-' or '_'.", cancellationToken);
        }

        if (!await connections.MoveAsync(origin.ConnectionId, room, cancellationToken))
        {
            return await RefuseAsync(broadcaster, origin, "not_connected", NotConnected, cancellationToken);
        }

        await broadcaster.ReplyAsync(origin, new JoinedFrame(room), ChatJson.Default.JoinedFrame, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>Unknown actions and frames that are not JSON: tell the sender, broadcast nothing.</summary>
    public static async Task<IResult> OnDefault(WebSocketEvent origin, HttpContext context, Broadcaster broadcaster, CancellationToken cancellationToken)
    {
        var (code, message) = await ClassifyAsync(context, cancellationToken);
        return await RefuseAsync(broadcaster, origin, code, message, cancellationToken);
    }

    /// <summary>
    /// Tells the sender alone what was wrong with its frame and broadcasts nothing. The event itself
    /// succeeded (200): a failed event would make API Gateway report an error instead.
    /// </summary>
    private static async Task<IResult> RefuseAsync(Broadcaster broadcaster, WebSocketEvent origin, string code, string message, CancellationToken cancellationToken)
    {
        await broadcaster.ReplyAsync(origin, new ErrorFrame(code, message), ChatJson.Default.ErrorFrame, cancellationToken);
        return TypedResults.Ok();
    }

    private static async Task<(string Code, string Message)> ClassifyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String
                ? ("unknown_action", $"Unknown action '{Truncate(action.GetString()!)}'. Use sendMessage or joinRoom.")
                : ("invalid_frame", "A frame is a JSON object with an action field.");
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an "action" string holding a lone surrogate, which is not text.
            return ("invalid_frame", "The frame is not valid JSON text.");
        }
    }

    private static async Task<T?> ReadFrameAsync<T>(HttpContext context, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, cancellationToken);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static string Truncate(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
