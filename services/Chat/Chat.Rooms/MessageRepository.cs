using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;

namespace Samples.Chat.Rooms;

/// <summary>
/// A room's messages in the MessagesTable: partition key the room, sort key the message id, a time-ordered UUID
/// (v7) as 32 hex digits, so that ids sort as they were sent and a page of history is one Query, newest first,
/// never a Scan. Messages expire by TTL after <see cref="ChatOptions.MessageRetentionDays"/>.
/// </summary>
public sealed partial class MessageRepository(IAmazonDynamoDB dynamoDb, IOptions<ChatOptions> options)
{
    public const string RoomAttribute = "room";
    public const string IdAttribute = "id";
    public const string TimeToLiveAttribute = "expiresAt";

    /// <summary>At most this many messages in one history frame.</summary>
    public const int PageSize = 50;


    private readonly string tableName = options.Value.MessagesTableName;

    /// <summary>A message id as <see cref="ChatMessage.Id"/> makes them: 32 lower-case hex digits.</summary>
    [GeneratedRegex("^[0-9a-f]{32}\\z")]
    public static partial Regex MessageId();

    /// <summary>
    /// Stores the message. Its id is new, so the condition only refuses a second copy: one that holds this
    /// request's <paramref name="token"/> is the SDK's retry of an attempt whose answer was lost, and counts as stored.
    /// </summary>
    public async Task StoreAsync(ChatMessage message, WriteToken token, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = new()
                {
                    [RoomAttribute] = new() { S = message.Room },
                    [IdAttribute] = new() { S = message.Id },
                    ["userId"] = new() { S = message.From.UserId },
                    ["displayName"] = new() { S = message.From.DisplayName },
                    ["text"] = new() { S = message.Text },
                    ["sentAt"] = new() { S = message.SentAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
                    [TimeToLiveAttribute] = new() { N = message.SentAt.AddDays(options.Value.MessageRetentionDays).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
                    [WriteToken.Attribute] = token.ToAttribute(),
                },
                ConditionExpression = "attribute_not_exists(#id)",
                ExpressionAttributeNames = new() { ["#id"] = IdAttribute },
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException failed) when (token.Wrote(failed.Item))
        {
            // our own earlier attempt
        }
    }

    /// <summary>
    /// The room's latest messages before <paramref name="before"/> (a message id; null: the latest of all), oldest
    /// first, as one frame that fits in a WebSocket message. Expired messages that TTL has not deleted yet are left out.
    /// </summary>
    public async Task<HistoryFrame> PageAsync(string room, string? before, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":room"] = new() { S = room },
            [":now"] = new() { N = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
        };
        var names = new Dictionary<string, string> { ["#room"] = RoomAttribute, ["#expiresAt"] = TimeToLiveAttribute };
        if (before is not null)
        {
            // DynamoDB refuses names and values that the expressions do not use.
            values[":before"] = new() { S = before };
            names["#id"] = IdAttribute;
        }

        var response = await dynamoDb.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = before is null ? "#room = :room" : "#room = :room AND #id < :before",
            FilterExpression = "#expiresAt > :now",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ScanIndexForward = false, // newest first
            Limit = PageSize,
        }, cancellationToken);

        // Newest first: keep messages while they fit, then show them oldest first.
        var newestFirst = new List<ChatMessage>();
        var bytes = 0;
        var cut = false;
        foreach (var item in response.Items ?? [])
        {
            var message = ToMessage(item);
            bytes += JsonSerializer.SerializeToUtf8Bytes(message, ChatJson.Default.ChatMessage).Length + 1; // and a comma
            if (bytes > RoomRules.MessageBudget) // a page of long messages is cut, oldest first, rather than refused
            {
                cut = true;
                break;
            }

            newestFirst.Add(message);
        }

        newestFirst.Reverse();
        // Older messages may exist when the page was cut or the Query stopped at its limit. An empty page that stopped
        // at its limit (every message of it expired) still moves the cursor on, to where the Query stopped.
        var olderExist = cut || response.LastEvaluatedKey is { Count: > 0 };
        var next = !olderExist ? null : newestFirst.Count > 0 ? newestFirst[0].Id : response.LastEvaluatedKey?.GetValueOrDefault(IdAttribute)?.S;
        return new HistoryFrame(room, newestFirst, next);
    }

    private static ChatMessage ToMessage(Dictionary<string, AttributeValue> item) => new(
        item[IdAttribute].S,
        item[RoomAttribute].S,
        new Sender(item["userId"].S, item["displayName"].S),
        item["text"].S,
        DateTimeOffset.Parse(item["sentAt"].S, CultureInfo.InvariantCulture));
}
