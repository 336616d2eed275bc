using System.Globalization;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;

namespace Samples.Chat.Rooms;

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
    public const string TokensAttribute = "sendTokens";
    public const string RefilledAtAttribute = "sendTokensAt";
    public const string RefusalAttribute = "refusal";

    /// <summary>API Gateway closes a WebSocket after 2 hours; the record outlives it a little.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(2) + TimeSpan.FromMinutes(10);

    private readonly string tableName = options.Value.TableName;

    /// <returns>
    /// False when another event's record holds this connection id. An earlier attempt of this event (the SDK's
    /// retry after a lost answer) is recognised by its write token and counts as added.
    /// </returns>
    public async Task<bool> AddAsync(Connection connection, WriteToken token, CancellationToken cancellationToken)
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
                    // A full token bucket: the connection may send SendBurst messages at once.
                    [TokensAttribute] = new() { N = options.Value.SendBurst.ToString(CultureInfo.InvariantCulture) },
                    [RefilledAtAttribute] = new() { N = connection.ConnectedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
                    [WriteToken.Attribute] = token.ToAttribute(),
                },
                ConditionExpression = "attribute_not_exists(#key)",
                ExpressionAttributeNames = new() { ["#key"] = KeyAttribute },
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException failed)
        {
            return token.Wrote(failed.Item);
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
            item.GetValueOrDefault(RoomAttribute)?.S ?? "",
            DateTimeOffset.Parse(item["connectedAt"].S, CultureInfo.InvariantCulture))
        {
            Allowance = Allowance(item),
            Refusal = item.GetValueOrDefault(RefusalAttribute)?.S,
        };
    }

    /// <summary>
    /// Marks a connection that may not chat (its user holds too many): out of its room, so the room index no longer
    /// lists it, with the reason its first frame will be answered with before it is closed. API Gateway opens the
    /// connection only after $connect, so the reason cannot be told on the handshake itself.
    /// </summary>
    public Task RefuseAsync(string connectionId, string reason, CancellationToken cancellationToken) =>
        dynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = tableName,
            Key = Key(connectionId),
            UpdateExpression = "REMOVE #room SET #refusal = :reason",
            ExpressionAttributeNames = new() { ["#room"] = RoomAttribute, ["#refusal"] = RefusalAttribute },
            ExpressionAttributeValues = new() { [":reason"] = new() { S = reason } },
        }, cancellationToken);

    /// <summary>
    /// Takes one message from the connection's token bucket (<see cref="ChatOptions.SendRatePerSecond"/>, burst
    /// <see cref="ChatOptions.SendBurst"/>). The bucket lives on the connection record, so it holds across invocations
    /// and across concurrent Lambda environments: each take is an update conditioned on the bucket as it was read,
    /// and a take that lost a race recounts from the item the refusal returns. API Gateway's own route throttling
    /// is per stage or route, for every client together, so it cannot be fair to one connection.
    /// </summary>
    /// <returns><see cref="TimeSpan.Zero"/> when the message may be sent; otherwise how long until it could be.</returns>
    public async Task<TimeSpan> TakeSendTokenAsync(Connection connection, WriteToken token, CancellationToken cancellationToken)
    {
        var (rate, burst) = (options.Value.SendRatePerSecond, options.Value.SendBurst);
        var seen = connection.Allowance;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var refilledAt = Math.Max(now, seen?.RefilledAt ?? 0); // clocks of two environments may disagree a little
            var available = seen is null ? burst : Math.Min(burst, seen.Tokens + (decimal)((refilledAt - seen.RefilledAt) * rate / 1000));
            if (available < 1)
            {
                return TimeSpan.FromMilliseconds(Math.Ceiling((double)(1 - available) * 1000 / rate));
            }

            try
            {
                await dynamoDb.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = tableName,
                    Key = Key(connection.ConnectionId),
                    UpdateExpression = "SET #tokens = :tokens, #at = :at, #writeToken = :writeToken",
                    // Unchanged since it was read: otherwise another event took from the bucket meanwhile.
                    ConditionExpression = seen is null
                        ? "attribute_exists(#key) AND attribute_not_exists(#at)"
                        : "#tokens = :seenTokens AND #at = :seenAt",
                    ExpressionAttributeNames = seen is null
                        ? new() { ["#tokens"] = TokensAttribute, ["#at"] = RefilledAtAttribute, ["#writeToken"] = WriteToken.Attribute, ["#key"] = KeyAttribute }
                        : new() { ["#tokens"] = TokensAttribute, ["#at"] = RefilledAtAttribute, ["#writeToken"] = WriteToken.Attribute },
                    ExpressionAttributeValues = Values(seen, decimal.Round(available - 1, 3), refilledAt, token),
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                }, cancellationToken);
                return TimeSpan.Zero;
            }
            catch (ConditionalCheckFailedException failed)
            {
                if (token.Wrote(failed.Item) || failed.Item is not { Count: > 0 })
                {
                    // Our own take, whose answer was lost and retried by the SDK; or the record is gone (the sender
                    // disconnected meanwhile), which the broadcast does not mind.
                    return TimeSpan.Zero;
                }

                seen = Allowance(failed.Item);
            }
        }

        // Five events of this connection raced and this one lost every time: it is sending fast enough to wait.
        return TimeSpan.FromMilliseconds(Math.Ceiling(1000 / rate));
    }

    private static Dictionary<string, AttributeValue> Values(SendAllowance? seen, decimal tokens, long at, WriteToken token)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":tokens"] = new() { N = tokens.ToString(CultureInfo.InvariantCulture) },
            [":at"] = new() { N = at.ToString(CultureInfo.InvariantCulture) },
            [":writeToken"] = token.ToAttribute(),
        };
        if (seen is not null)
        {
            values[":seenTokens"] = new() { N = seen.Tokens.ToString(CultureInfo.InvariantCulture) };
            values[":seenAt"] = new() { N = seen.RefilledAt.ToString(CultureInfo.InvariantCulture) };
        }

        return values;
    }

    /// <summary>The record's token bucket; null for a record written before buckets existed (it counts as full).</summary>
    private static SendAllowance? Allowance(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue(TokensAttribute, out var tokens) && item.TryGetValue(RefilledAtAttribute, out var at)
            ? new SendAllowance(decimal.Parse(tokens.N, CultureInfo.InvariantCulture), long.Parse(at.N, CultureInfo.InvariantCulture))
            : null;

    /// <returns>False when the connection has no record (it disconnected meanwhile).</returns>
    /// <remarks>Safe to repeat as it is: a retry sets the same room on the same record.</remarks>
    public async Task<bool> MoveAsync(string connectionId, string room, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(connectionId),
                UpdateExpression = "SET #room = :room",
                ConditionExpression = "attribute_exists(#key) AND attribute_not_exists(#refusal)",
                ExpressionAttributeNames = new() { ["#room"] = RoomAttribute, ["#key"] = KeyAttribute, ["#refusal"] = RefusalAttribute },
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

    /// <summary>
    /// Removes the record if <paramref name="token"/> wrote it: the clean-up of a handshake that is being refused.
    /// One attempt within <see cref="CleanUpTimeout"/> and the request's deadline (<paramref name="cancellationToken"/>);
    /// if DynamoDB cannot take it either, StaleConnections removes the record once the gateway says it has no such
    /// connection (a post, the user's cap, a members list), or its TTL does.
    /// </summary>
    public async Task RemoveOwnAsync(string connectionId, WriteToken token, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CleanUpTimeout);
        try
        {
            await dynamoDb.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tableName,
                Key = Key(connectionId),
                ConditionExpression = "#token = :token",
                ExpressionAttributeNames = new() { ["#token"] = WriteToken.Attribute },
                ExpressionAttributeValues = new() { [":token"] = token.ToAttribute() },
            }, timeout.Token);
        }
        catch (Exception exception) when (exception is ConditionalCheckFailedException || DependencyFailure.IsDependencyFailure(exception, CancellationToken.None))
        {
            // Nothing of ours was stored, or DynamoDB is still away: the TTL takes it.
        }
    }

    /// <summary>How long the clean-up of a refused handshake may add to its answer.</summary>
    public static readonly TimeSpan CleanUpTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>The connections in a room, a page of the index at a time (it projects the user's id and name).</summary>
    public async IAsyncEnumerable<IReadOnlyList<RoomConnection>> MembersAsync(string room, [EnumeratorCancellation] CancellationToken cancellationToken)
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
                Limit = options.Value.DeliveryPageSize,
            }, cancellationToken);
            yield return [.. (page.Items ?? []).Select(item => new RoomConnection(
                item[KeyAttribute].S, item["userId"].S, item["displayName"].S, DateTimeOffset.Parse(item["connectedAt"].S, CultureInfo.InvariantCulture)))];
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }

    private static Dictionary<string, AttributeValue> Key(string connectionId) => new() { [KeyAttribute] = new() { S = connectionId } };
}
