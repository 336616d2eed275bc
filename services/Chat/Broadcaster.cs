using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Observability;

namespace Samples.Chat;

/// <summary>
/// Posts frames to connections: one reply to a sender, or a message to every member of a room with
/// bounded parallelism and a deadline per post. A member that is gone has its record removed (never the
/// sender's); any other failure, a timeout included, is logged and the broadcast goes on.
/// </summary>
public sealed partial class Broadcaster(
    IConnectionMessenger messenger, ConnectionRepository connections, BusinessMetrics metrics, IOptions<ChatOptions> options, ILogger<Broadcaster> logger)
{
    /// <summary>The business metrics a broadcast counts (see BusinessMetrics).</summary>
    public static class Metric
    {
        public const string MessagesBroadcast = "MessagesBroadcast";
        public const string Deliveries = "MessagesDelivered";
        public const string StaleConnectionsRemoved = "StaleConnectionsRemoved";
    }

    public Task ReplyAsync<T>(WebSocketEvent origin, T frame, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        messenger.PostAsync(origin.ConnectionId, JsonSerializer.SerializeToUtf8Bytes(frame, type), cancellationToken);

    /// <returns>How many connections received the message.</returns>
    public async Task<int> BroadcastAsync(WebSocketEvent origin, ChatMessage message, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> frame = JsonSerializer.SerializeToUtf8Bytes(message, ChatJson.Default.ChatMessage);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.BroadcastParallelism, CancellationToken = cancellationToken };
        var delivered = 0;
        await foreach (var members in connections.MembersAsync(message.Room, cancellationToken))
        {
            await Parallel.ForEachAsync(members, parallel, async (connectionId, token) =>
            {
                // Each post has its own deadline: one slow endpoint cannot hold the broadcast.
                using var post = CancellationTokenSource.CreateLinkedTokenSource(token);
                post.CancelAfter(options.Value.PostTimeout);
                try
                {
                    if (await messenger.PostAsync(connectionId, frame, post.Token) == Delivery.Delivered)
                    {
                        Interlocked.Increment(ref delivered);
                    }
                    else if (connectionId != origin.ConnectionId)
                    {
                        await connections.RemoveAsync(connectionId, token);
                        metrics.Count(Metric.StaleConnectionsRemoved);
                        LogStaleConnectionRemoved(logger, connectionId, message.Room);
                    }
                }
                catch (Exception exception) when (!token.IsCancellationRequested)
                {
                    LogDeliveryFailed(logger, connectionId, exception);
                }
            });
        }

        metrics.Count(Metric.MessagesBroadcast);
        metrics.Count(Metric.Deliveries, delivered);
        return delivered;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed stale connection {ConnectionId} from room {Room}")]
    private static partial void LogStaleConnectionRemoved(ILogger logger, string connectionId, string room);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver to connection {ConnectionId}; the broadcast goes on")]
    private static partial void LogDeliveryFailed(ILogger logger, string connectionId, Exception exception);
}
