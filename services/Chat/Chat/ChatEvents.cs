using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Validation;
using Samples.Chat.Rooms;

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
    public const string History = "/history";
    public const string Members = "/members";

    /// <summary>The action routes (route selection: $request.body.action); anything else goes to $default.</summary>
    public static readonly IReadOnlySet<string> Actions = new HashSet<string>(StringComparer.Ordinal) { "sendMessage", "joinRoom", "history", "members" };

    /// <summary>At most this many members in one members frame (and never more than a WebSocket message holds).</summary>
    public const int MaxMembersListed = 500;

    private const string NotConnected = "This connection is not registered; reconnect.";

    public const string TooManyConnectionsCode = "too_many_connections";

    private static string TooManyConnections(int max) =>
        $"You have {max} chat connections open already (tabs or devices); close one, then join again here.";

    public static IEndpointRouteBuilder MapChatEvents(this IEndpointRouteBuilder app)
    {
        // The gateway authorized $connect already (the ChatAuthorizer function).
        var events = app.MapGroup("").WithTags("WebSocket events").AllowAnonymous();
        events.MapPost(Connect, OnConnect);
        events.MapPost(Disconnect, OnDisconnect);
        events.MapPost(SendMessage, OnSendMessage);
        events.MapPost(JoinRoom, OnJoinRoom);
        events.MapPost(History, OnHistory);
        events.MapPost(Members, OnMembers);
        events.MapPost(Default, OnDefault);
        return app;
    }

    /// <summary>
    /// Stores the connection and tells the room when the user is new there. The member's history comes when it asks
    /// (<c>{"action":"history"}</c>, the browser client's first frame): API Gateway opens the connection only once
    /// $connect has returned, so nothing can be posted to it from here.
    /// </summary>
    public static async Task<IResult> OnConnect(
        WebSocketEvent origin, HttpContext context, WriteToken token, ConnectionRepository connections, PresenceRepository presence, StaleConnections stale,
        Broadcaster broadcaster, IOptions<ChatOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (origin.UserId is not { } userId)
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden); // no authorizer context: never store a connection
        }

        var room = context.Request.Query["room"].ToString() is { Length: > 0 } requested ? requested : RoomRules.Default;
        if (!RoomRules.Name().IsMatch(room))
        {
            return TypedResults.BadRequest();
        }

        try
        {
            var displayName = origin.DisplayName ?? userId;
            if (!await connections.AddAsync(new Connection(origin.ConnectionId, userId, displayName, room, clock.GetUtcNow()), token, cancellationToken))
            {
                return TypedResults.Conflict();
            }

            var entry = await presence.EnterAsync(userId, origin.ConnectionId, room, cancellationToken);
            if (entry == PresenceRepository.Entry.OverLimit && (await stale.PruneUserAsync(userId, cancellationToken)).Count > 0)
            {
                // Some of the user's connections were gone without a $disconnect (a refused handshake, a failed one).
                entry = await presence.EnterAsync(userId, origin.ConnectionId, room, cancellationToken);
            }

            switch (entry)
            {
                case PresenceRepository.Entry.First:
                    await broadcaster.AnnounceAsync(origin.ConnectionId, new PresenceFrame(room, PresenceFrame.Joined, new Sender(userId, displayName)), cancellationToken);
                    break;
                case PresenceRepository.Entry.OverLimit:
                    // Accepted, then refused with a reason on its first frame: a handshake refused here would reach the
                    // browser as a bare failure (close code 1006), with nothing it could show.
                    await connections.RefuseAsync(origin.ConnectionId, TooManyConnections(options.Value.MaxConnectionsPerUser), cancellationToken);
                    break;
            }

            return TypedResults.Ok();
        }
        catch (Exception exception) when (DependencyFailure.IsDependencyFailure(exception, cancellationToken))
        {
            // The handshake is refused (503), yet an attempt may have stored the record before its answer was lost:
            // take it back, within the request's deadline, so that a refused handshake leaves no connection behind.
            // Past the deadline (DynamoDB hung) nothing is tried: StaleConnections finds such a record later.
            await connections.RemoveOwnAsync(origin.ConnectionId, token, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Removes the connection, and tells the room when it was the user's last one there. The user's other entries in
    /// the room are checked first: one whose connection is gone (its $disconnect failed) must not keep the user present.
    /// </summary>
    public static async Task<IResult> OnDisconnect(
        WebSocketEvent origin, ConnectionRepository connections, PresenceRepository presence, StaleConnections stale, Broadcaster broadcaster,
        CancellationToken cancellationToken)
    {
        await connections.RemoveAsync(origin.ConnectionId, cancellationToken);
        if (origin.UserId is not { } userId)
        {
            return TypedResults.Ok();
        }

        var (room, last) = await presence.LeaveAsync(userId, origin.ConnectionId, cancellationToken);
        if (room is not null && (last || (await stale.PruneUserAsync(userId, cancellationToken)).Contains(room)))
        {
            await broadcaster.AnnounceAsync(origin.ConnectionId, new PresenceFrame(room, PresenceFrame.Left, new Sender(userId, origin.DisplayName ?? userId)), cancellationToken);
        }

        return TypedResults.Ok();
    }

    /// <summary>
    /// Checks the frame and the sender's allowance and stores the message; that is all the sender's event does, so
    /// its time does not grow with the room. The MessagesTable's stream then drives the fan-out function
    /// (services/Chat/Chat.Fanout), which delivers it to every connection of the room, the sender's included.
    /// </summary>
    public static async Task<IResult> OnSendMessage(
        WebSocketEvent origin, HttpContext context, WriteToken token, ConnectionRepository connections, MessageRepository messages, Broadcaster broadcaster,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(context, ChatJson.Default.SendMessageFrame, cancellationToken);
        string? problem = frame switch
        {
            null => "The frame must be a JSON object with action, text and optionally room.",
            { Text: null or "" } => "text is required.",
            { Text.Length: > RoomRules.MaxTextLength } => $"text can be at most {RoomRules.MaxTextLength} characters.",
            { Text: { } text } when !TextRules.IsVisibleText(text)
                => "text needs a visible character, and no control characters other than line breaks and tabs.",
            _ => null,
        };
        if (problem is not null)
        {
            return await RefuseAsync(broadcaster, origin, "invalid_frame", problem, cancellationToken);
        }

        if (await MemberAsync(origin, connections, broadcaster, cancellationToken) is not { } sender)
        {
            return TypedResults.Ok();
        }

        if (frame!.Room is { } room && room != sender.Room)
        {
            return await RefuseAsync(broadcaster, origin, "not_in_room", $"You are in room '{sender.Room}'; join '{room}' first.", cancellationToken);
        }

        if (await connections.TakeSendTokenAsync(sender, token, cancellationToken) is { } wait && wait > TimeSpan.Zero)
        {
            await broadcaster.ReplyAsync(origin.ConnectionId, new ErrorFrame("rate_limited", "You are sending too fast; this message was not sent.", (long)wait.TotalMilliseconds),
                ChatJson.Default.ErrorFrame, cancellationToken);
            return TypedResults.Ok();
        }

        // The id is the request's write token: time-ordered (UUID v7), and the same for every retry of this event.
        var message = new ChatMessage(token.Value, sender.Room, new Sender(sender.UserId, sender.DisplayName), frame.Text!, clock.GetUtcNow());
        await messages.StoreAsync(message, token, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>Moves the connection, answers "joined" and the new room's history, and tells both rooms when the user moved.</summary>
    public static async Task<IResult> OnJoinRoom(
        WebSocketEvent origin, HttpContext context, ConnectionRepository connections, PresenceRepository presence, MessageRepository messages,
        Broadcaster broadcaster, TimeProvider clock, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(context, ChatJson.Default.JoinRoomFrame, cancellationToken);
        if (frame?.Room is not { } room || !RoomRules.Name().IsMatch(room))
        {
            return await RefuseAsync(broadcaster, origin, "invalid_frame", "room must be 1 to 64 letters, digits, '-' or '_'.", cancellationToken);
        }

        if (await MemberAsync(origin, connections, broadcaster, cancellationToken) is null)
        {
            return TypedResults.Ok();
        }

        if (!await connections.MoveAsync(origin.ConnectionId, room, cancellationToken))
        {
            return await RefuseAsync(broadcaster, origin, "not_connected", NotConnected, cancellationToken);
        }

        await broadcaster.ReplyAsync(origin.ConnectionId, new JoinedFrame(room), ChatJson.Default.JoinedFrame, cancellationToken);
        await broadcaster.ReplyAsync(origin.ConnectionId, await messages.PageAsync(room, before: null, clock.GetUtcNow(), cancellationToken), ChatJson.Default.HistoryFrame, cancellationToken);
        if (origin.UserId is { } userId)
        {
            var user = new Sender(userId, origin.DisplayName ?? userId);
            var (from, leftFrom, enteredTo) = await presence.MoveAsync(userId, origin.ConnectionId, room, cancellationToken);
            if (leftFrom)
            {
                await broadcaster.AnnounceAsync(origin.ConnectionId, new PresenceFrame(from!, PresenceFrame.Left, user), cancellationToken);
            }

            if (enteredTo)
            {
                await broadcaster.AnnounceAsync(origin.ConnectionId, new PresenceFrame(room, PresenceFrame.Joined, user), cancellationToken);
            }
        }

        return TypedResults.Ok();
    }

    /// <summary>
    /// A page of the sender's room's history: the latest messages, or those before <c>before</c> (an id from a
    /// message or an earlier history frame).
    /// </summary>
    public static async Task<IResult> OnHistory(
        WebSocketEvent origin, HttpContext context, ConnectionRepository connections, MessageRepository messages, Broadcaster broadcaster,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(context, ChatJson.Default.HistoryRequestFrame, cancellationToken);
        if (frame is null || (frame.Before is { } before && !MessageRepository.MessageId().IsMatch(before)))
        {
            return await RefuseAsync(broadcaster, origin, "invalid_frame", "before must be a message id (32 hex digits) from a message or a history frame.", cancellationToken);
        }

        if (await MemberAsync(origin, connections, broadcaster, cancellationToken) is not { } member)
        {
            return TypedResults.Ok();
        }

        await broadcaster.ReplyAsync(origin.ConnectionId, await messages.PageAsync(member.Room, frame.Before, clock.GetUtcNow(), cancellationToken), ChatJson.Default.HistoryFrame, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>
    /// The distinct users of the sender's room, by name, as many as one frame holds. A connection the gateway no longer
    /// has is not a member: it is removed instead of listed (StaleConnections; each open one is asked about at most
    /// every few minutes, and the asking stops at <see cref="Broadcaster.AnnounceBudget"/>).
    /// </summary>
    public static async Task<IResult> OnMembers(
        WebSocketEvent origin, HttpContext context, ConnectionRepository connections, StaleConnections stale, Broadcaster broadcaster,
        IOptions<ChatOptions> options, CancellationToken cancellationToken)
    {
        if (await ReadFrameAsync(context, ChatJson.Default.MembersRequestFrame, cancellationToken) is null)
        {
            return await RefuseAsync(broadcaster, origin, "invalid_frame", "A members frame is {\"action\":\"members\"}.", cancellationToken);
        }

        if (await MemberAsync(origin, connections, broadcaster, cancellationToken) is not { } member)
        {
            return TypedResults.Ok();
        }

        var listed = new Dictionary<string, Sender>(StringComparer.Ordinal);
        var bytes = 0;
        var truncated = false;
        using var checking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        checking.CancelAfter(Broadcaster.AnnounceBudget);
        await foreach (var page in connections.MembersAsync(member.Room, cancellationToken))
        {
            var live = await stale.WithoutGoneAsync(page, options.Value.BroadcastParallelism, checking.Token, cancellationToken);
            foreach (var connection in live.Where(connection => !listed.ContainsKey(connection.UserId)))
            {
                var user = new Sender(connection.UserId, connection.DisplayName);
                bytes += JsonSerializer.SerializeToUtf8Bytes(user, ChatJson.Default.Sender).Length + 1;
                if (listed.Count == MaxMembersListed || bytes > RoomRules.MessageBudget)
                {
                    truncated = true;
                    break;
                }

                listed[user.UserId] = user;
            }

            if (truncated)
            {
                break;
            }
        }

        var members = listed.Values.OrderBy(user => user.DisplayName, StringComparer.CurrentCultureIgnoreCase).ToList();
        await broadcaster.ReplyAsync(origin.ConnectionId, new MembersFrame(member.Room, members, truncated), ChatJson.Default.MembersFrame, cancellationToken);
        return TypedResults.Ok();
    }


    /// <summary>Unknown actions and frames that are not JSON: tell the sender, broadcast nothing (and close a refused connection).</summary>
    public static async Task<IResult> OnDefault(
        WebSocketEvent origin, HttpContext context, ConnectionRepository connections, Broadcaster broadcaster, CancellationToken cancellationToken)
    {
        var (code, message) = await ClassifyAsync(context, cancellationToken);
        if (await connections.GetAsync(origin.ConnectionId, cancellationToken) is { Refusal: { } reason })
        {
            await RefuseAndCloseAsync(broadcaster, origin, reason, cancellationToken);
            return TypedResults.Ok();
        }

        return await RefuseAsync(broadcaster, origin, code, message, cancellationToken);
    }

    /// <summary>
    /// The sender's connection record, or null after telling it why not: it has none (it disconnected meanwhile), or it
    /// was refused at $connect (too many connections). A refused connection is told why, then closed by the server
    /// (DeleteConnection): it never stays open, whatever the client does.
    /// </summary>
    private static async Task<Connection?> MemberAsync(WebSocketEvent origin, ConnectionRepository connections, Broadcaster broadcaster, CancellationToken cancellationToken)
    {
        switch (await connections.GetAsync(origin.ConnectionId, cancellationToken))
        {
            case null:
                await RefuseAsync(broadcaster, origin, "not_connected", NotConnected, cancellationToken);
                return null;
            case { Refusal: { } reason }:
                await RefuseAndCloseAsync(broadcaster, origin, reason, cancellationToken);
                return null;
            case var member:
                return member;
        }
    }

    /// <summary>
    /// Tells the sender alone what was wrong with its frame and broadcasts nothing. The event itself
    /// succeeded (200): a failed event would make API Gateway report an error instead.
    /// </summary>
    private static async Task<IResult> RefuseAsync(Broadcaster broadcaster, WebSocketEvent origin, string code, string message, CancellationToken cancellationToken)
    {
        await broadcaster.ReplyAsync(origin.ConnectionId, new ErrorFrame(code, message), ChatJson.Default.ErrorFrame, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>Tells a connection refused at $connect why, then closes it: the gateway sends the frame first.</summary>
    private static async Task RefuseAndCloseAsync(Broadcaster broadcaster, WebSocketEvent origin, string reason, CancellationToken cancellationToken)
    {
        await RefuseAsync(broadcaster, origin, TooManyConnectionsCode, reason, cancellationToken);
        await broadcaster.CloseAsync(origin.ConnectionId, cancellationToken);
    }

    private static async Task<(string Code, string Message)> ClassifyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String
                ? ("unknown_action", $"Unknown action '{Truncate(action.GetString()!)}'. Use sendMessage, joinRoom, history or members.")
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
