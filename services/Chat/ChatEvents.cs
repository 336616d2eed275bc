using System.Text.Json;
using Samples.ServiceDefaults.Validation;

namespace Samples.Chat;

/// <summary>
/// The WebSocket routes, as Amazon.Lambda.AspNetCoreServer delivers them: POST /{routeKey} with the frame
/// as the body. The routes reply through the Management API (or the local gateway), not in the HTTP
/// response: the HTTP status only tells API Gateway whether to accept a handshake.
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

    public static IEndpointRouteBuilder MapChatEvents(this IEndpointRouteBuilder app)
    {
        // The gateway authorized $connect already; these routes answer only events from it (see WebSocketEvent).
        var events = app.MapGroup("").WithTags("WebSocket events").AllowAnonymous();
        events.MapPost(Connect, OnConnect);
        events.MapPost(Disconnect, OnDisconnect);
        events.MapPost(SendMessage, OnSendMessage);
        events.MapPost(JoinRoom, OnJoinRoom);
        events.MapPost(Default, OnDefault);
        return app;
    }

    public static async Task<IResult> OnConnect(HttpContext context, ConnectionRepository connections, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (WebSocketEvent.From(context) is not { UserId: { } userId } origin)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden); // no gateway event, or no authorizer context: never store a connection
        }

        var room = context.Request.Query["room"].ToString() is { Length: > 0 } requested ? requested : Rooms.Default;
        if (!Rooms.Name().IsMatch(room))
        {
            return TypedResults.BadRequest();
        }

        var added = await connections.AddAsync(new Connection(origin.ConnectionId, userId, origin.DisplayName ?? userId, room, clock.GetUtcNow()), cancellationToken);
        return added ? TypedResults.Ok() : TypedResults.Conflict();
    }

    public static async Task<IResult> OnDisconnect(HttpContext context, ConnectionRepository connections, CancellationToken cancellationToken)
    {
        if (WebSocketEvent.From(context) is not { } origin)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        await connections.RemoveAsync(origin.ConnectionId, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<IResult> OnSendMessage(
        HttpContext context, ConnectionRepository connections, Broadcaster broadcaster, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (WebSocketEvent.From(context) is not { } origin)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

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
            await broadcaster.ReplyAsync(origin, new ErrorFrame("invalid_frame", problem), ChatJson.Default.ErrorFrame, cancellationToken);
            return TypedResults.Ok();
        }

        if (await connections.GetAsync(origin.ConnectionId, cancellationToken) is not { } sender)
        {
            await broadcaster.ReplyAsync(origin, new ErrorFrame("not_connected", "This connection is not registered; reconnect."), ChatJson.Default.ErrorFrame, cancellationToken);
            return TypedResults.Ok();
        }

        if (frame!.Room is { } room && room != sender.Room)
        {
            await broadcaster.ReplyAsync(origin, new ErrorFrame("not_in_room", $"You are in room '{sender.Room}'; join '{room}' first."), ChatJson.Default.ErrorFrame, cancellationToken);
            return TypedResults.Ok();
        }

        var now = clock.GetUtcNow();
        var message = new ChatMessage(Guid.CreateVersion7(now).ToString("N"), sender.Room, new Sender(sender.UserId, sender.DisplayName), frame.Text!, now);
        await broadcaster.BroadcastAsync(origin, message, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<IResult> OnJoinRoom(HttpContext context, ConnectionRepository connections, Broadcaster broadcaster, CancellationToken cancellationToken)
    {
        if (WebSocketEvent.From(context) is not { } origin)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        var frame = await ReadFrameAsync(context, ChatJson.Default.JoinRoomFrame, cancellationToken);
        if (frame?.Room is not { } room || !Rooms.Name().IsMatch(room))
        {
            await broadcaster.ReplyAsync(origin, new ErrorFrame("invalid_frame", "room must be 1 to 64 letters, digits, '-' or '_'."), ChatJson.Default.ErrorFrame, cancellationToken);
            return TypedResults.Ok();
        }

        if (!await connections.MoveAsync(origin.ConnectionId, room, cancellationToken))
        {
            await broadcaster.ReplyAsync(origin, new ErrorFrame("not_connected", "This connection is not registered; reconnect."), ChatJson.Default.ErrorFrame, cancellationToken);
            return TypedResults.Ok();
        }

        await broadcaster.ReplyAsync(origin, new JoinedFrame(room), ChatJson.Default.JoinedFrame, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>Unknown actions and frames that are not JSON: tell the sender, broadcast nothing.</summary>
    public static async Task<IResult> OnDefault(HttpContext context, Broadcaster broadcaster, CancellationToken cancellationToken)
    {
        if (WebSocketEvent.From(context) is not { } origin)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        var error = await ClassifyAsync(context, cancellationToken);
        await broadcaster.ReplyAsync(origin, error, ChatJson.Default.ErrorFrame, cancellationToken);
        return TypedResults.Ok();
    }

    private static async Task<ErrorFrame> ClassifyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String
                ? new ErrorFrame("unknown_action", $"Unknown action '{Truncate(action.GetString()!)}'. Use sendMessage or joinRoom.")
                : new ErrorFrame("invalid_frame", "A frame is a JSON object with an action field.");
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an "action" string holding a lone surrogate, which is not text.
            return new ErrorFrame("invalid_frame", "The frame is not valid JSON text.");
        }
    }

    private static async Task<T?> ReadFrameAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
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
