using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;

namespace Samples.Chat.Rooms;

/// <summary>
/// Which rooms a user is in, by connection, so that a room hears "joined" when the user's first connection arrives
/// and "left" when the last one goes: a user with two tabs joins once. One item per user in the ConnectionsTable
/// (key <c>user#{userId}</c>, which no API Gateway connection id can be, and no <c>room</c> attribute, so the room
/// index never lists it), with one attribute per open connection naming its room and a count of them (the cap on
/// connections per user). Every change is one UpdateItem
/// that returns the item as it was, so two tabs arriving at once cannot both be first: DynamoDB orders them.
/// </summary>
public sealed class PresenceRepository(IAmazonDynamoDB dynamoDb, IOptions<ChatOptions> options, TimeProvider clock)
{
    public const string KeyPrefix = "user#";
    public const string EntryPrefix = "in:";
    public const string CountAttribute = "connections";

    private readonly string tableName = options.Value.TableName;

    /// <summary>
    /// Enters the connection, if the user has fewer than <see cref="ChatOptions.MaxConnectionsPerUser"/> open: a count on
    /// the same item, raised in the same conditional update, so that handshakes racing each other cannot pass it. A
    /// user at the limit whose entries include connections that are gone without a $disconnect (their records are
    /// missing or expired) has those taken out, and is counted again.
    /// </summary>
    public async Task<Entry> EnterAsync(string userId, string connectionId, string room, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = tableName,
                    Key = Key(userId),
                    UpdateExpression = "SET #entry = :room, #expiresAt = :expiresAt ADD #count :one",
                    ConditionExpression = "attribute_not_exists(#entry) AND (attribute_not_exists(#count) OR #count < :max)",
                    ExpressionAttributeNames = new() { ["#entry"] = EntryPrefix + connectionId, ["#expiresAt"] = ConnectionRepository.TimeToLiveAttribute, ["#count"] = CountAttribute },
                    ExpressionAttributeValues = new()
                    {
                        [":room"] = new() { S = room },
                        [":expiresAt"] = ExpiresAt(),
                        [":one"] = new() { N = "1" },
                        [":max"] = new() { N = options.Value.MaxConnectionsPerUser.ToString(CultureInfo.InvariantCulture) },
                    },
                    ReturnValues = ReturnValue.ALL_OLD,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                }, cancellationToken);
                return InRoom(response.Attributes, room, except: connectionId) ? Entry.Again : Entry.First;
            }
            catch (ConditionalCheckFailedException failed)
            {
                var item = failed.Item ?? [];
                if (item.TryGetValue(EntryPrefix + connectionId, out var entered))
                {
                    // Already entered: the SDK's retry of this same update, whose first answer was lost.
                    return InRoom(item, entered.S, except: connectionId) ? Entry.Again : Entry.First;
                }

                if (attempt > 0 || await RemoveGoneAsync(userId, item, cancellationToken) == 0)
                {
                    return Entry.OverLimit;
                }
            }
        }
    }

    /// <summary>How a connection's entry went.</summary>
    public enum Entry
    {
        /// <summary>The user's first connection in the room: the room hears "joined".</summary>
        First,

        /// <summary>The user is in the room already, from another connection (another tab).</summary>
        Again,

        /// <summary>The user holds <see cref="ChatOptions.MaxConnectionsPerUser"/> connections already.</summary>
        OverLimit,
    }

    /// <summary>Takes out the entries whose connection record is gone; returns how many.</summary>
    private async Task<int> RemoveGoneAsync(string userId, Dictionary<string, AttributeValue> item, CancellationToken cancellationToken)
    {
        var entries = item.Keys.Where(name => name.StartsWith(EntryPrefix, StringComparison.Ordinal)).Select(name => name[EntryPrefix.Length..]).ToList();
        if (entries.Count == 0)
        {
            return 0;
        }

        var found = await dynamoDb.BatchGetItemAsync(new BatchGetItemRequest
        {
            RequestItems = new()
            {
                [tableName] = new KeysAndAttributes
                {
                    Keys = [.. entries.Select(id => new Dictionary<string, AttributeValue> { [ConnectionRepository.KeyAttribute] = new() { S = id } })],
                    ProjectionExpression = "#key, #expiresAt",
                    ExpressionAttributeNames = new() { ["#key"] = ConnectionRepository.KeyAttribute, ["#expiresAt"] = ConnectionRepository.TimeToLiveAttribute },
                    ConsistentRead = true,
                },
            },
        }, cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var live = (found.Responses?.GetValueOrDefault(tableName) ?? [])
            .Where(record => long.Parse(record[ConnectionRepository.TimeToLiveAttribute].N, CultureInfo.InvariantCulture) >= now)
            .Select(record => record[ConnectionRepository.KeyAttribute].S)
            .ToHashSet(StringComparer.Ordinal);
        if (found.UnprocessedKeys is { Count: > 0 })
        {
            return 0; // throttled: do not take out what was not looked at
        }

        var removed = 0;
        foreach (var gone in entries.Where(id => !live.Contains(id)))
        {
            removed += (await LeaveAsync(userId, gone, cancellationToken)).Room is null ? 0 : 1;
        }

        return removed;
    }

    /// <returns>The room the connection was in, and whether it was the user's last connection there.</returns>
    public async Task<(string? Room, bool Last)> LeaveAsync(string userId, string connectionId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(userId),
                UpdateExpression = "REMOVE #entry ADD #count :minusOne",
                // Without it an update of a missing item would create one, and the count would go wrong.
                ConditionExpression = "attribute_exists(#entry)",
                ExpressionAttributeNames = new() { ["#entry"] = EntryPrefix + connectionId, ["#count"] = CountAttribute },
                ExpressionAttributeValues = new() { [":minusOne"] = new() { N = "-1" } },
                ReturnValues = ReturnValue.ALL_OLD,
            }, cancellationToken);
            var room = response.Attributes[EntryPrefix + connectionId].S;
            return (room, !InRoom(response.Attributes, room, except: connectionId));
        }
        catch (ConditionalCheckFailedException)
        {
            return (null, false); // not entered, or already left
        }
    }

    /// <returns>The room the connection moved from (null if unknown), whether the user left it, and whether the user is new in <paramref name="room"/>.</returns>
    public async Task<(string? From, bool LeftFrom, bool EnteredTo)> MoveAsync(string userId, string connectionId, string room, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(userId),
            UpdateExpression = "SET #entry = :room, #expiresAt = :expiresAt",
            ExpressionAttributeNames = new() { ["#entry"] = EntryPrefix + connectionId, ["#expiresAt"] = ConnectionRepository.TimeToLiveAttribute },
            ExpressionAttributeValues = new() { [":room"] = new() { S = room }, [":expiresAt"] = ExpiresAt() },
            ReturnValues = ReturnValue.ALL_OLD,
        }, cancellationToken);
        var before = response.Attributes ?? [];
        var from = before.GetValueOrDefault(EntryPrefix + connectionId)?.S;
        return from == room
            ? (from, false, false)
            : (from, from is not null && !InRoom(before, from, except: connectionId), !InRoom(before, room, except: connectionId));
    }

    /// <summary>The user's entered connections and the room of each (none when the user has no item).</summary>
    public async Task<IReadOnlyDictionary<string, string>> EntriesAsync(string userId, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(userId), ConsistentRead = true }, cancellationToken);
        return (response.Item ?? [])
            .Where(attribute => attribute.Key.StartsWith(EntryPrefix, StringComparison.Ordinal))
            .ToDictionary(attribute => attribute.Key[EntryPrefix.Length..], attribute => attribute.Value.S, StringComparer.Ordinal);
    }

    /// <summary>The item outlives the user's latest connection, as a connection record does.</summary>
    private AttributeValue ExpiresAt() =>
        new() { N = (clock.GetUtcNow() + ConnectionRepository.Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) };

    private static bool InRoom(Dictionary<string, AttributeValue>? item, string room, string except) =>
        item is not null && item.Any(attribute =>
            attribute.Key.StartsWith(EntryPrefix, StringComparison.Ordinal)
            && attribute.Key != EntryPrefix + except
            && attribute.Value.S == room);

    private static Dictionary<string, AttributeValue> Key(string userId) =>
        new() { [ConnectionRepository.KeyAttribute] = new() { S = KeyPrefix + userId } };
}
