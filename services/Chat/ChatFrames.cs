using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Samples.Chat;

/// <summary>A live connection, as stored: one item per WebSocket connection.</summary>
public sealed record Connection(string ConnectionId, string UserId, string DisplayName, string Room, DateTimeOffset ConnectedAt);

/// <summary>Client frame for route <c>sendMessage</c>.</summary>
public sealed record SendMessageFrame(string? Action, string? Text, string? Room);

/// <summary>Client frame for route <c>joinRoom</c>.</summary>
public sealed record JoinRoomFrame(string? Action, string? Room);

/// <summary>What a broadcast delivers to every connection of the room, the sender's included.</summary>
public sealed record ChatMessage(string Id, string Room, Sender From, string Text, DateTimeOffset SentAt)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message";
}

public sealed record Sender(string UserId, string DisplayName);

public sealed record JoinedFrame(string Room)
{
    [JsonPropertyOrder(-1)]
    public string Type => "joined";
}

/// <summary>Sent to the sender alone; nothing is broadcast.</summary>
public sealed record ErrorFrame(string Code, string Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

public static partial class Rooms
{
    public const string Default = "lobby";
    public const int MaxTextLength = 4000;

    /// <summary>1–64 letters, digits, '-' and '_'. <c>\z</c>: <c>$</c> would also accept a trailing newline.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    public static partial Regex Name();
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SendMessageFrame))]
[JsonSerializable(typeof(JoinRoomFrame))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(JoinedFrame))]
[JsonSerializable(typeof(ErrorFrame))]
public sealed partial class ChatJson : JsonSerializerContext;
