using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Observability;

namespace Samples.Chat;

/// <summary>
/// Posts frames to connections: one reply to a sender, or a message to every member of a room with
/// bounded parallelism and a deadline per post. A member that is gone has its record removed (never the
/// sender's), with its presence entry; any other failure, a timeout included, is logged and the broadcast goes on.
/// </summary>
public sealed partial class Broadcaster(
    IConnectionMessenger messenger, ConnectionRepository connections, PresenceRepository presence, BusinessMetrics metrics, IOptions<ChatOptions> options,
    TimeProvider clock, ILogger<Broadcaster> logger)
{
    /// <summary>
    /// How long a new connection's record may exist before its socket does: $connect stores it, and API Gateway opens
    /// the connection only when $connect returns (at most its 29 s integration timeout), answering posts with 410
    /// until then. A 410 from a connection younger than this is not proof that it is gone.
    /// </summary>
    public static readonly TimeSpan Opening = TimeSpan.FromSeconds(30);

    /// <summary>The business metrics a broadcast counts (see BusinessMetrics).</summary>
    public static class Metric
    {
        public const string MessagesBroadcast = "MessagesBroadcast";
        public const string Deliveries = "MessagesDelivered";
        public const string StaleConnectionsRemoved = "StaleConnectionsRemoved";
    }

    public Task ReplyAsync<T>(string connectionId, T frame, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        messenger.PostAsync(connectionId, JsonSerializer.SerializeToUtf8Bytes(frame, type), cancellationToken);

    /// <returns>How many connections received the message.</returns>
    public async Task<int> BroadcastAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        var delivered = await DeliverAsync(originConnectionId: null, message.Room, JsonSerializer.SerializeToUtf8Bytes(message, ChatJson.Default.ChatMessage), toOrigin: true, cancellationToken);
        metrics.Count(Metric.MessagesBroadcast);
        metrics.Count(Metric.Deliveries, delivered);
        return delivered;
    }

    /// <summary>
    /// Tells the room that a user joined or left: everyone but <paramref name="originConnectionId"/>, whose own connection is
    /// either still opening ($connect: API Gateway opens it only once the event returns), gone, or told otherwise.
    /// </summary>
    public Task AnnounceAsync(string originConnectionId, PresenceFrame presence, CancellationToken cancellationToken) =>
        DeliverAsync(originConnectionId, presence.Room, JsonSerializer.SerializeToUtf8Bytes(presence, ChatJson.Default.PresenceFrame), toOrigin: false, cancellationToken);

    private async Task<int> DeliverAsync(string? originConnectionId, string room, ReadOnlyMemory<byte> frame, bool toOrigin, CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.BroadcastParallelism, CancellationToken = cancellationToken };
        var delivered = 0;
        await foreach (var members in connections.MembersAsync(room, cancellationToken))
        {
            await Parallel.ForEachAsync(members.Where(member => toOrigin || member.ConnectionId != originConnectionId), parallel, async (member, token) =>
            {
                // Each post has its own deadline: one slow endpoint cannot hold the broadcast.
                using var post = CancellationTokenSource.CreateLinkedTokenSource(token);
                post.CancelAfter(options.Value.PostTimeout);
                try
                {
                    if (await messenger.PostAsync(member.ConnectionId, frame, post.Token) == Delivery.Delivered)
                    {
                        Interlocked.Increment(ref delivered);
                    }
                    else if (member.ConnectionId != originConnectionId && clock.GetUtcNow() - member.ConnectedAt > Opening)
                    {
                        await connections.RemoveAsync(member.ConnectionId, token);
                        await presence.LeaveAsync(member.UserId, member.ConnectionId, token);
                        metrics.Count(Metric.StaleConnectionsRemoved);
                        LogStaleConnectionRemoved(logger, member.ConnectionId, room);
                    }
                }
                catch (Exception exception) when (!token.IsCancellationRequested)
                {
                    LogDeliveryFailed(logger, member.ConnectionId, exception);
                }
            });
        }

        return delivered;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed stale connection {ConnectionId} from room {Room}")]
    private static partial void LogStaleConnectionRemoved(ILogger logger, string connectionId, string room);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver to connection {ConnectionId}; the broadcast goes on")]
    private static partial void LogDeliveryFailed(ILogger logger, string connectionId, Exception exception);
}
