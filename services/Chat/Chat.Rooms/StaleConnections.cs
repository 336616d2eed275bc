using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Observability;

namespace Samples.Chat.Rooms;

/// <summary>
/// Connection records whose connection is gone, with nothing that removed them: a $connect answered 503 after its
/// write landed (API Gateway then never opens the connection), or a $disconnect that failed (API Gateway sends it
/// once). Such a record is found and removed, with its presence entry, wherever it would mislead: a post to it answers
/// 410 (<see cref="Broadcaster"/>); the user's entries are counted against the cap or decide whether the user left a
/// room (<see cref="PruneUserAsync"/>); a members list names the room's users (<see cref="WithoutGoneAsync"/>). The gateway
/// (GetConnection) is the judge, never the age of a record alone.
/// </summary>
public sealed partial class StaleConnections(
    IConnectionMessenger messenger, ConnectionRepository connections, PresenceRepository presence, BusinessMetrics metrics, TimeProvider clock,
    ILogger<StaleConnections> logger)
{
    /// <summary>
    /// How long a new connection's record may exist before its socket does: $connect stores it, and API Gateway opens
    /// the connection only when $connect returns (at most its 29 s integration timeout), answering 410 until then. A
    /// 410 from a connection younger than this is not proof that it is gone.
    /// </summary>
    public static readonly TimeSpan Opening = TimeSpan.FromSeconds(30);

    /// <summary>A connection the gateway said was open is not asked again for this long (by this instance).</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(5);

    private const int MaxRemembered = 20_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> seenOpen = new(StringComparer.Ordinal);

    /// <summary>Whether a 410 from this connection proves it gone (it is past its opening).</summary>
    public bool IsPastOpening(DateTimeOffset connectedAt) => clock.GetUtcNow() - connectedAt > Opening;

    /// <summary>
    /// Asks the gateway about a connection past its opening (unless it was seen open lately); a gone one is removed.
    /// </summary>
    /// <returns>True when the connection is gone (and its record now removed).</returns>
    public async Task<bool> IsGoneAsync(string connectionId, string userId, DateTimeOffset connectedAt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!IsPastOpening(connectedAt) || (seenOpen.TryGetValue(connectionId, out var seen) && now - seen < Recheck))
        {
            return false;
        }

        bool open;
        try
        {
            open = await messenger.IsOpenAsync(connectionId, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // No answer is no proof: the record stays, and the next check asks again.
            LogCheckFailed(logger, connectionId, exception);
            return false;
        }

        if (open)
        {
            Remember(connectionId, now);
            return false;
        }

        await RemoveAsync(connectionId, userId, cancellationToken);
        return true;
    }

    /// <summary>
    /// The room's connections but those the gateway says are gone (now removed), asking with bounded parallelism until
    /// <paramref name="checking"/> ends; past it, or when the gateway does not answer, the rest as they are.
    /// </summary>
    public async Task<IReadOnlyList<RoomConnection>> WithoutGoneAsync(
        IReadOnlyList<RoomConnection> connections, int parallelism, CancellationToken checking, CancellationToken cancellationToken)
    {
        var gone = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        try
        {
            await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = checking }, async (connection, token) =>
            {
                if (await IsGoneAsync(connection.ConnectionId, connection.UserId, connection.ConnectedAt, token))
                {
                    gone[connection.ConnectionId] = true;
                }
            });
        }
        catch (Exception exception) when (DependencyFailure.IsDependencyFailure(exception, cancellationToken))
        {
            // Out of checking time, or DynamoDB did not take a removal: what was not found gone is listed.
        }

        return [.. connections.Where(connection => !gone.ContainsKey(connection.ConnectionId))];
    }

    /// <summary>Removes a gone connection's record and presence entry.</summary>
    public async Task RemoveAsync(string connectionId, string userId, CancellationToken cancellationToken)
    {
        seenOpen.TryRemove(connectionId, out _);
        await connections.RemoveAsync(connectionId, cancellationToken);
        await presence.LeaveAsync(userId, connectionId, cancellationToken);
        metrics.Count(Broadcaster.Metric.StaleConnectionsRemoved);
        LogRemoved(logger, connectionId);
    }

    /// <summary>
    /// Takes out the user's entries whose connection is gone: its record missing or expired, or the gateway answering
    /// 410 for a connection past its opening. At most <see cref="ChatOptions.MaxConnectionsPerUser"/> lookups.
    /// </summary>
    /// <returns>The rooms the user is no longer in at all.</returns>
    public async Task<IReadOnlyList<string>> PruneUserAsync(string userId, CancellationToken cancellationToken)
    {
        var pruned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (connectionId, room) in await presence.EntriesAsync(userId, cancellationToken))
        {
            if (await connections.GetAsync(connectionId, cancellationToken) is not { } record)
            {
                await presence.LeaveAsync(userId, connectionId, cancellationToken);
                pruned.Add(room);
            }
            else if (await IsGoneAsync(connectionId, userId, record.ConnectedAt, cancellationToken))
            {
                pruned.Add(room);
            }
        }

        if (pruned.Count == 0)
        {
            return [];
        }

        var stillIn = (await presence.EntriesAsync(userId, cancellationToken)).Values.ToHashSet(StringComparer.Ordinal);
        return [.. pruned.Where(room => !stillIn.Contains(room))];
    }

    private void Remember(string connectionId, DateTimeOffset at)
    {
        if (seenOpen.Count >= MaxRemembered)
        {
            seenOpen.Clear(); // a cache of good news: forgetting it costs lookups, never correctness
        }

        seenOpen[connectionId] = at;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask the gateway about connection {ConnectionId}; it is kept")]
    private static partial void LogCheckFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed stale connection {ConnectionId}: the gateway no longer has it")]
    private static partial void LogRemoved(ILogger logger, string connectionId);
}
