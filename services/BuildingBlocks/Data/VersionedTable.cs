using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Samples.BuildingBlocks.Data;

/// <summary>
/// The conditional reads and writes every service needs on a table keyed by one string attribute whose
/// items carry a numeric <c>version</c>. Repositories keep their own attribute mapping and call these.
/// </summary>
public sealed class VersionedTable(IAmazonDynamoDB dynamoDb, string tableName, string keyAttribute)
{
    public const string VersionAttribute = "version";

    public async Task<Dictionary<string, AttributeValue>?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(key),
            // Read-after-write: the ETag a client gets here must be the one a write compares against.
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>One bounded page of a paginated Scan: at most <see cref="PageRequest.Limit"/> items read.</summary>
    public async Task<(List<Dictionary<string, AttributeValue>> Items, string? NextToken)> ScanAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.ScanAsync(new ScanRequest
        {
            TableName = tableName,
            Limit = page.Limit,
            ExclusiveStartKey = page.StartKey,
        }, cancellationToken);
        return (response.Items ?? [], PageToken.Encode(response.LastEvaluatedKey));
    }

    /// <summary>One page of items whose <paramref name="attribute"/> equals <paramref name="value"/>, through a GSI.</summary>
    public async Task<(List<Dictionary<string, AttributeValue>> Items, string? NextToken)> QueryIndexAsync(
        string indexName, string attribute, string value, PageRequest page, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            IndexName = indexName,
            KeyConditionExpression = "#attribute = :value",
            ExpressionAttributeNames = new() { ["#attribute"] = attribute },
            ExpressionAttributeValues = new() { [":value"] = new AttributeValue { S = value } },
            Limit = page.Limit,
            ExclusiveStartKey = page.StartKey,
        }, cancellationToken);
        return (response.Items ?? [], PageToken.Encode(response.LastEvaluatedKey));
    }

    /// <summary>
    /// Creates the item at version 1 with every field that has a value. Fields without one are absent rather
    /// than empty: DynamoDB refuses empty strings in index keys, and sparse indexes stay sparse.
    /// </summary>
    /// <returns>
    /// The item as stored: this write's, or the one an earlier attempt of the same request stored (the SDK's
    /// retry after a lost answer, or a retry of the same Idempotency-Key). Null when someone else's item has
    /// this key; nothing is overwritten.
    /// </returns>
    public async Task<Dictionary<string, AttributeValue>?> CreateAsync(
        string key, IReadOnlyDictionary<string, AttributeValue?> fields, WriteToken token, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [keyAttribute] = new() { S = key },
            [VersionAttribute] = Number(1),
            [WriteToken.Attribute] = token.ToAttribute(),
        };
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                item[name] = value;
            }
        }

        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = item,
                ConditionExpression = "attribute_not_exists(#key)",
                ExpressionAttributeNames = new() { ["#key"] = keyAttribute },
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return item;
        }
        catch (ConditionalCheckFailedException failed)
        {
            return token.Wrote(failed.Item) ? failed.Item : null;
        }
    }

    /// <summary>
    /// Sets every field with a value and removes every field without one, in one UpdateItem that succeeds
    /// only if the item exists at <paramref name="expectedVersion"/>; the version becomes the next one.
    /// Fields not named are kept (the key, creation time, owner...).
    /// </summary>
    public async Task<WriteResult<Dictionary<string, AttributeValue>>> ReplaceAsync(
        string key, IReadOnlyDictionary<string, AttributeValue?> fields, long expectedVersion, WriteToken token, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string> { ["#key"] = keyAttribute, ["#version"] = VersionAttribute, ["#token"] = WriteToken.Attribute };
        var values = new Dictionary<string, AttributeValue>
        {
            [":expected"] = Number(expectedVersion),
            [":next"] = Number(expectedVersion + 1),
            [":token"] = token.ToAttribute(),
        };
        var set = new List<string> { "#version = :next", "#token = :token" };
        var remove = new List<string>();
        var index = 0;
        foreach (var (name, value) in fields)
        {
            var placeholder = $"#f{index}";
            names[placeholder] = name;
            if (value is null)
            {
                remove.Add(placeholder);
            }
            else
            {
                values[$":f{index}"] = value;
                set.Add($"{placeholder} = :f{index}");
            }

            index++;
        }

        try
        {
            var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(key),
                UpdateExpression = "SET " + string.Join(", ", set) + (remove.Count > 0 ? " REMOVE " + string.Join(", ", remove) : ""),
                ConditionExpression = "attribute_exists(#key) AND #version = :expected",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.ALL_NEW,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return WriteResult<Dictionary<string, AttributeValue>>.Done(response.Attributes);
        }
        catch (ConditionalCheckFailedException failed) when (token.Wrote(failed.Item))
        {
            // Our own earlier attempt: the item it left is this write's result (a later writer would have
            // replaced the token).
            return WriteResult<Dictionary<string, AttributeValue>>.Done(failed.Item);
        }
        catch (ConditionalCheckFailedException failed)
        {
            return WriteResult<Dictionary<string, AttributeValue>>.Refused(failed.Item);
        }
    }

    /// <summary>
    /// Deletes the item; with <paramref name="expectedVersion"/>, only if it is still that version. A deleted item
    /// cannot keep a token, so the proof is DynamoDB's own: the delete runs as a one-item transaction whose
    /// ClientRequestToken is the request's token, and a repeat with the same token within ten minutes (the SDK's
    /// retry after a lost answer) succeeds without doing anything, rather than failing the condition (a 404).
    /// It costs two write units instead of one.
    /// </summary>
    public async Task<WriteOutcome> DeleteAsync(string key, long? expectedVersion, WriteToken token, CancellationToken cancellationToken)
    {
        var delete = new Delete
        {
            TableName = tableName,
            Key = Key(key),
            ConditionExpression = "attribute_exists(#key)",
            ExpressionAttributeNames = new() { ["#key"] = keyAttribute },
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
        if (expectedVersion is { } version)
        {
            delete.ConditionExpression += " AND #version = :expected";
            delete.ExpressionAttributeNames["#version"] = VersionAttribute;
            delete.ExpressionAttributeValues = new() { [":expected"] = Number(version) };
        }

        try
        {
            await dynamoDb.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [new TransactWriteItem { Delete = delete }],
                ClientRequestToken = token.Value,
            }, cancellationToken);
            return WriteOutcome.Done;
        }
        catch (TransactionCanceledException canceled) when (canceled.CancellationReasons is [{ Code: "ConditionalCheckFailed" } reason])
        {
            return RefusedOutcome.Of(reason.Item);
        }
    }

    public static AttributeValue Number(long value) =>
        new() { N = value.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private Dictionary<string, AttributeValue> Key(string key) => new() { [keyAttribute] = new AttributeValue { S = key } };
}
