using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Observability;

namespace Samples.Chat.Rooms;

/// <summary>
/// Posts frames to connections: one reply to a sender, or a message to every member of a room with
/// bounded parallelism and a deadline per post. A member that is gone has its record removed (never the
/// sender's), with its presence entry; any other failure, a timeout included, is logged and the broadcast goes on.
/// </summary>
public sealed partial class Broadcaster(
    IConnectionMessenger messenger, ConnectionRepository connections, StaleConnections stale, BusinessMetrics metrics, IOptions<ChatOptions> options,
    ILogger<Broadcaster> logger)
{
    /// <summary>
    /// How long a presence announcement may take. It is news for the others, not part of the event: an event must not
    /// fail (a handshake be refused) because the room is large or DynamoDB slow, so what is not posted by then is not.
    /// </summary>
    public static readonly TimeSpan AnnounceBudget = TimeSpan.FromSeconds(2);

    /// <summary>The business metrics a broadcast counts (see BusinessMetrics).</summary>
    public static class Metric
    {
        public const string MessagesBroadcast = "MessagesBroadcast";
        public const string Deliveries = "MessagesDelivered";
        public const string StaleConnectionsRemoved = "StaleConnectionsRemoved";
    }

    public Task ReplyAsync<T>(string connectionId, T frame, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        messenger.PostAsync(connectionId, JsonSerializer.SerializeToUtf8Bytes(frame, type), cancellationToken);

    /// <summary>Closes the connection from the server's side (DeleteConnection), after what was posted to it.</summary>
    public async Task CloseAsync(string connectionId, CancellationToken cancellationToken)
    {
        try
        {
            await messenger.CloseAsync(connectionId, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The event's answer stands; the connection's next frame tries again.
            LogCloseFailed(logger, connectionId, exception);
        }
    }

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
    public async Task AnnounceAsync(string originConnectionId, PresenceFrame presence, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(AnnounceBudget);
        try
        {
            await DeliverAsync(originConnectionId, presence.Room, JsonSerializer.SerializeToUtf8Bytes(presence, ChatJson.Default.PresenceFrame), toOrigin: false, budget.Token);
        }
        catch (Exception exception) when (DependencyFailure.IsDependencyFailure(exception, cancellationToken))
        {
            // Out of budget, or the room could not be read: the event's own work is done, and stands.
            LogAnnouncementCut(logger, presence.Room, exception);
        }
    }

    private async Task<int> DeliverAsync(string? originConnectionId, string room, ReadOnlyMemory<byte> frame, bool toOrigin, CancellationToken cancellationToken)
    {
        // One stream of members for the whole room, not a page at a time: the posts in flight stay at the limit across
        // page boundaries (no page waits for its slowest post), and the next page is read while this one is posted.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.BroadcastParallelism, CancellationToken = cancellationToken };
        var delivered = 0;
        var members = MembersReadAheadAsync(room, cancellationToken);
        await Parallel.ForEachAsync(members, parallel, async (member, token) =>
        {
            if (!toOrigin && member.ConnectionId == originConnectionId)
            {
                return;
            }

            // Each post has its own deadline: one slow endpoint cannot hold the broadcast.
            using var post = CancellationTokenSource.CreateLinkedTokenSource(token);
            post.CancelAfter(options.Value.PostTimeout);
            try
            {
                if (await messenger.PostAsync(member.ConnectionId, frame, post.Token) == Delivery.Delivered)
                {
                    Interlocked.Increment(ref delivered);
                }
                else if (member.ConnectionId != originConnectionId && stale.IsPastOpening(member.ConnectedAt))
                {
                    await stale.RemoveAsync(member.ConnectionId, member.UserId, token);
                }
            }
            catch (Exception exception) when (!token.IsCancellationRequested)
            {
                LogDeliveryFailed(logger, member.ConnectionId, exception);
            }
        });

        return delivered;
    }

    /// <summary>The room's members, page after page of the room index, each page's Query started before the previous page is handed out.</summary>
    private async IAsyncEnumerable<RoomConnection> MembersReadAheadAsync(string room, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = connections.MembersAsync(room, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var next = pages.MoveNextAsync().AsTask();
        try
        {
            while (await next)
            {
                var page = pages.Current;
                next = pages.MoveNextAsync().AsTask();
                foreach (var member in page)
                {
                    yield return member;
                }
            }
        }
        finally
        {
            // A read-ahead still running when the broadcast stops early (cancelled) ends before its enumerator is disposed.
            await Task.WhenAny(next);
            await pages.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not close connection {ConnectionId}")]
    private static partial void LogCloseFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The announcement to room {Room} was cut short; the event stands")]
    private static partial void LogAnnouncementCut(ILogger logger, string room, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver to connection {ConnectionId}; the broadcast goes on")]
    private static partial void LogDeliveryFailed(ILogger logger, string connectionId, Exception exception);
}
