using System.Globalization;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;

namespace Samples.Chat;

/// <summary>
/// Connection records in DynamoDB: keyed by connection id, found by room through the <c>byRoom</c> index
/// (a broadcast is a Query, never a Scan), and expired by TTL shortly after API Gateway's 2-hour limit
/// in case a $disconnect never arrives.
/// </summary>
public sealed class ConnectionRepository(IAmazonDynamoDB dynamoDb, IOptions<ChatOptions> options, TimeProvider clock)
{
    public const string KeyAttribute = "connectionId";
    public const string RoomIndex = "byRoom";
    public const string RoomAttribute = "room";
    public const string TimeToLiveAttribute = "expiresAt";

    /// <summary>API Gateway closes a WebSocket after 2 hours; the record outlives it a little.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2) + TimeSpan.FromMinutes(10);

    private readonly string tableName = options.Value.TableName;

    /// <returns>False when a record for this connection id already exists.</returns>
    public async Task<bool> AddAsync(Connection connection, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = new()
                {
                    [KeyAttribute] = new() { S = connection.ConnectionId },
                    ["userId"] = new() { S = connection.UserId },
                    ["displayName"] = new() { S = connection.DisplayName },
                    [RoomAttribute] = new() { S = connection.Room },
                    ["connectedAt"] = new() { S = connection.ConnectedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
                    [TimeToLiveAttribute] = new() { N = (connection.ConnectedAt + Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
                },
                ConditionExpression = "attribute_not_exists(#key)",
                ExpressionAttributeNames = new() { ["#key"] = KeyAttribute },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<Connection?> GetAsync(string connectionId, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(connectionId),
            ConsistentRead = true,
        }, cancellationToken);
        if (response.Item is not { Count: > 0 } item)
        {
            return null;
        }

        // DynamoDB's TTL deletes lazily: an expired record is treated as gone.
        var expiresAt = long.Parse(item[TimeToLiveAttribute].N, CultureInfo.InvariantCulture);
        return expiresAt < clock.GetUtcNow().ToUnixTimeSeconds() ? null : new Connection(
            item[KeyAttribute].S,
            item["userId"].S,
            item["displayName"].S,
            item[RoomAttribute].S,
            DateTimeOffset.Parse(item["connectedAt"].S, CultureInfo.InvariantCulture));
    }

    /// <returns>False when the connection has no record (it disconnected meanwhile).</returns>
    public async Task<bool> MoveAsync(string connectionId, string room, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(connectionId),
                UpdateExpression = "SET #room = :room",
                ConditionExpression = "attribute_exists(#key)",
                ExpressionAttributeNames = new() { ["#room"] = RoomAttribute, ["#key"] = KeyAttribute },
                ExpressionAttributeValues = new() { [":room"] = new() { S = room } },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Removes the record; removing one that is already gone is not an error ($disconnect may repeat).</summary>
    public Task RemoveAsync(string connectionId, CancellationToken cancellationToken) =>
        dynamoDb.DeleteItemAsync(new DeleteItemRequest { TableName = tableName, Key = Key(connectionId) }, cancellationToken);

    /// <summary>The connection ids in a room, a page of the index at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<string>> MembersAsync(string room, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamoDb.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                IndexName = RoomIndex,
                KeyConditionExpression = "#room = :room",
                ExpressionAttributeNames = new() { ["#room"] = RoomAttribute },
                ExpressionAttributeValues = new() { [":room"] = new() { S = room } },
                ExclusiveStartKey = start,
            }, cancellationToken);
            yield return [.. (page.Items ?? []).Select(item => item[KeyAttribute].S)];
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }

    private static Dictionary<string, AttributeValue> Key(string connectionId) => new() { [KeyAttribute] = new() { S = connectionId } };
}
