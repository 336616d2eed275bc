using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Samples.Chat.Rooms;

/// <summary>A live connection, as stored: one item per WebSocket connection.</summary>
public sealed record Connection(string ConnectionId, string UserId, string DisplayName, string Room, DateTimeOffset ConnectedAt)
{
    /// <summary>Its token bucket as read; null before its first message.</summary>
    public SendAllowance? Allowance { get; init; }

    /// <summary>Why it may not chat (then it is in no room), or null.</summary>
    public string? Refusal { get; init; }
}

/// <summary>One connection of a room, as the room index lists it.</summary>
public sealed record RoomConnection(string ConnectionId, string UserId, string DisplayName, DateTimeOffset ConnectedAt);

/// <summary>A connection's send allowance (a token bucket), as its record holds it.</summary>
/// <param name="Tokens">Messages it may send now, before refilling since <paramref name="RefilledAt"/>.</param>
/// <param name="RefilledAt">When <paramref name="Tokens"/> was counted, in Unix milliseconds.</param>
public sealed record SendAllowance(decimal Tokens, long RefilledAt);

/// <summary>Client frame for route <c>sendMessage</c>.</summary>
public sealed record SendMessageFrame(string? Action, string? Text, string? Room);

/// <summary>Client frame for route <c>joinRoom</c>.</summary>
public sealed record JoinRoomFrame(string? Action, string? Room);

/// <summary>Client frame for route <c>history</c>: the latest messages, or those before the id <c>before</c>.</summary>
public sealed record HistoryRequestFrame(string? Action, string? Before);

/// <summary>Client frame for route <c>members</c>.</summary>
public sealed record MembersRequestFrame(string? Action);

/// <summary>What a broadcast delivers to every connection of the room, the sender's included.</summary>
public sealed record ChatMessage(string Id, string Room, Sender From, string Text, DateTimeOffset SentAt)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message";
}

public sealed record Sender(string UserId, string DisplayName);

/// <summary>
/// A page of a room's stored messages, oldest first. <see cref="Before"/> is the id to ask for the page before
/// this one with, or null when there is nothing older.
/// </summary>
public sealed record HistoryFrame(string Room, IReadOnlyList<ChatMessage> Messages, string? Before)
{
    [JsonPropertyOrder(-1)]
    public string Type => "history";
}

/// <summary>A user arrived in or left the room: once per user, not per connection (tabs).</summary>
public sealed record PresenceFrame(string Room, string Event, Sender User)
{
    public const string Joined = "joined";
    public const string Left = "left";

    [JsonPropertyOrder(-1)]
    public string Type => "presence";
}

/// <summary>The room's distinct members; <see cref="Truncated"/> when the room holds more than one frame lists.</summary>
public sealed record MembersFrame(string Room, IReadOnlyList<Sender> Members, bool Truncated)
{
    [JsonPropertyOrder(-1)]
    public string Type => "members";
}

public sealed record JoinedFrame(string Room)
{
    [JsonPropertyOrder(-1)]
    public string Type => "joined";
}

/// <summary>Sent to the sender alone; nothing is broadcast. <see cref="RetryAfterMs"/> only with <c>rate_limited</c>.</summary>
public sealed record ErrorFrame(string Code, string Message, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

/// <summary>What a room is allowed: its name, the default one, and the sizes of what is said in it.</summary>
public static partial class RoomRules
{
    public const string Default = "lobby";
    public const int MaxTextLength = 4000;

    /// <summary>API Gateway's limit for one WebSocket message: a frame posted to a connection, or an event's body.</summary>
    public const int MaxMessageBytes = 128 * 1024;

    /// <summary>What a listing (history, members) may take of one message, leaving room for its envelope.</summary>
    public const int MessageBudget = MaxMessageBytes - 1024;

    /// <summary>1–64 letters, digits, '-' and '_'. <c>\z</c>: <c>$</c> would also accept a trailing newline.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    public static partial Regex Name();
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SendMessageFrame))]
[JsonSerializable(typeof(JoinRoomFrame))]
[JsonSerializable(typeof(HistoryRequestFrame))]
[JsonSerializable(typeof(MembersRequestFrame))]
[JsonSerializable(typeof(HistoryFrame))]
[JsonSerializable(typeof(PresenceFrame))]
[JsonSerializable(typeof(MembersFrame))]
[JsonSerializable(typeof(Sender))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(JoinedFrame))]
[JsonSerializable(typeof(ErrorFrame))]
public sealed partial class ChatJson : JsonSerializerContext;
