using System.Globalization;
using Amazon.Lambda.DynamoDBEvents;
using Microsoft.Extensions.Logging;

namespace Samples.Chat.Rooms;

/// <summary>
/// Delivers the messages the MessagesTable's stream reports to their rooms. The sender's event only stores a message
/// (its time does not grow with the room); the stream's event source mapping invokes this with a batch of a shard's
/// records, in order. Each new message goes to every connection of its room, a page of the room index at a time with
/// bounded parallelism (<see cref="Broadcaster"/>). When a room cannot be read (DynamoDB failing), the answer names
/// that record as the first failure, so the mapping retries from it and the records before it are not delivered again
/// (ReportBatchItemFailures). Delivery is at least once: a retried record may reach some members twice, and clients
/// keep one copy per message id.
/// </summary>
public sealed partial class RoomFanOut(Broadcaster broadcaster, ILogger<RoomFanOut> logger)
{
    public async Task<StreamsEventResponse> HandleAsync(DynamoDBEvent stream, CancellationToken cancellationToken)
    {
        var (messages, deliveries) = (0, 0);
        foreach (var record in stream.Records ?? [])
        {
            // INSERT only: TTL's deletes (REMOVE) and any rewrite of a stored message are not news.
            if (record.EventName != "INSERT")
            {
                continue;
            }

            if (ToMessage(record.Dynamodb?.NewImage) is not { } message)
            {
                LogNotAMessage(logger, record.Dynamodb?.SequenceNumber);
                continue; // retrying would not make it one: skipped, never blocking the shard
            }

            try
            {
                deliveries += await broadcaster.BroadcastAsync(message, cancellationToken);
                messages++;
            }
            catch (Exception exception)
            {
                // DynamoDB unreachable, or the invocation's deadline passed mid-room: either way, from this record again.
                LogRoomUnavailable(logger, message.Room, message.Id, exception);
                return new StreamsEventResponse
                {
                    BatchItemFailures = [new StreamsEventResponse.BatchItemFailure { ItemIdentifier = record.Dynamodb!.SequenceNumber }],
                };
            }
        }

        if (stream.Records is { Count: > 0 } records)
        {
            LogBatchDelivered(logger, records.Count, messages, deliveries);
        }

        return new StreamsEventResponse { BatchItemFailures = [] };
    }

    /// <summary>A stored message, as MessageRepository writes it; null for an image that is not one.</summary>
    internal static ChatMessage? ToMessage(Dictionary<string, DynamoDBEvent.AttributeValue>? image)
    {
        string? Text(string name) => image is not null && image.TryGetValue(name, out var value) ? value.S : null;
        return (Text(MessageRepository.IdAttribute), Text(MessageRepository.RoomAttribute), Text("userId"), Text("displayName"), Text("text"), Text("sentAt")) is
            ({ } id, { } room, { } userId, { } displayName, { } text, { } sentAt)
            && DateTimeOffset.TryParse(sentAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? new ChatMessage(id, room, new Sender(userId, displayName), text, at)
            : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream batch of {Records} records: {Messages} messages, {Deliveries} deliveries")]
    private static partial void LogBatchDelivered(ILogger logger, int records, int messages, int deliveries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream record {SequenceNumber} is not a stored message; skipped")]
    private static partial void LogNotAMessage(ILogger logger, string? sequenceNumber);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not deliver message {MessageId} to room {Room}; the stream retries from it")]
    private static partial void LogRoomUnavailable(ILogger logger, string room, string messageId, Exception exception);
}
