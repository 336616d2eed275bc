using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;

namespace Samples.Chat;

/// <summary>
/// Which rooms a user is in, by connection, so that a room hears "joined" when the user's first connection arrives
/// and "left" when the last one goes: a user with two tabs joins once. One item per user in the ConnectionsTable
/// (key <c>user#{userId}</c>, which no API Gateway connection id can be, and no <c>room</c> attribute, so the room
/// index never lists it), with one attribute per open connection naming its room. Every change is one UpdateItem
/// that returns the item as it was, so two tabs arriving at once cannot both be first: DynamoDB orders them.
/// </summary>
public sealed class PresenceRepository(IAmazonDynamoDB dynamoDb, IOptions<ChatOptions> options, TimeProvider clock)
{
    public const string KeyPrefix = "user#";
    public const string EntryPrefix = "in:";

    private readonly string tableName = options.Value.TableName;

    /// <returns>True when this is the user's first connection in <paramref name="room"/>.</returns>
    /// <remarks>Setting the same entry again (the SDK's retry of a lost answer) finds only itself: still first.</remarks>
    public async Task<bool> EnterAsync(string userId, string connectionId, string room, CancellationToken cancellationToken)
    {
        var before = await SetAsync(userId, connectionId, room, cancellationToken);
        return !InRoom(before, room, except: connectionId);
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
                UpdateExpression = "REMOVE #entry",
                // Without it an update of a missing item would create one.
                ConditionExpression = "attribute_exists(#entry)",
                ExpressionAttributeNames = new() { ["#entry"] = EntryPrefix + connectionId },
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
        var before = await SetAsync(userId, connectionId, room, cancellationToken);
        var from = before.GetValueOrDefault(EntryPrefix + connectionId)?.S;
        return from == room
            ? (from, false, false)
            : (from, from is not null && !InRoom(before, from, except: connectionId), !InRoom(before, room, except: connectionId));
    }

    private async Task<Dictionary<string, AttributeValue>> SetAsync(string userId, string connectionId, string room, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(userId),
            UpdateExpression = "SET #entry = :room, #expiresAt = :expiresAt",
            ExpressionAttributeNames = new() { ["#entry"] = EntryPrefix + connectionId, ["#expiresAt"] = ConnectionRepository.TimeToLiveAttribute },
            ExpressionAttributeValues = new()
            {
                [":room"] = new() { S = room },
                // The item outlives the user's latest connection, as a connection record does.
                [":expiresAt"] = new() { N = (clock.GetUtcNow() + ConnectionRepository.Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
            },
            ReturnValues = ReturnValue.ALL_OLD,
        }, cancellationToken);
        return response.Attributes ?? [];
    }

    private static bool InRoom(Dictionary<string, AttributeValue>? item, string room, string except) =>
        item is not null && item.Any(attribute =>
            attribute.Key.StartsWith(EntryPrefix, StringComparison.Ordinal)
            && attribute.Key != EntryPrefix + except
            && attribute.Value.S == room);

    private static Dictionary<string, AttributeValue> Key(string userId) =>
        new() { [ConnectionRepository.KeyAttribute] = new() { S = KeyPrefix + userId } };
}
