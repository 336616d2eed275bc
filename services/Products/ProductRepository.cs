using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Products;

/// <summary>
/// Products in DynamoDB, mapped by hand (no table metadata calls at cold start, nothing reflected).
/// Every write is conditional, so nothing is silently overwritten.
/// </summary>
public sealed class ProductRepository(IAmazonDynamoDB dynamoDb, IOptions<ProductsOptions> options)
{
    /// <summary>The table's partition key (infra/template.yaml, ProductsTable). Tests check they agree.</summary>
    public const string KeyAttribute = "id";

    public static readonly IReadOnlyCollection<string> KeyAttributes = [KeyAttribute];

    private readonly string tableName = options.Value.TableName;

    public async Task<Product?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(id),
            // Read-after-write: the ETag a client gets here must be the one a write will compare against.
            ConsistentRead = true,
        }, cancellationToken);

        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    /// <summary>One bounded page of a paginated Scan: at most <see cref="PageRequest.Limit"/> items read.</summary>
    public async Task<Page<Product>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.ScanAsync(new ScanRequest
        {
            TableName = tableName,
            Limit = page.Limit,
            ExclusiveStartKey = page.StartKey,
        }, cancellationToken);

        var items = response.Items?.Select(FromItem).ToList() ?? [];
        return new Page<Product>(items, PageToken.Encode(response.LastEvaluatedKey));
    }

    /// <returns>False when a product with this id already exists.</returns>
    public async Task<bool> CreateAsync(Product product, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = ToItem(product),
                ConditionExpression = "attribute_not_exists(#id)",
                ExpressionAttributeNames = new() { ["#id"] = KeyAttribute },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Replaces the client-editable fields in one conditional UpdateItem, only if the stored version is
    /// <paramref name="expectedVersion"/>; id, createdAt and createdBy are kept.
    /// </summary>
    public async Task<WriteResult<Product>> ReplaceAsync(
        string id, ProductInput input, long expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":name"] = new() { S = input.TrimmedName },
            [":price"] = Number(input.Price!.Value),
            [":currency"] = new() { S = input.Currency },
            [":tags"] = Tags(input.Tags ?? []),
            [":updatedAt"] = new() { S = Timestamp(now) },
            [":expected"] = Number(expectedVersion),
            [":next"] = Number(expectedVersion + 1),
        };
        var update = "SET #name = :name, #price = :price, #currency = :currency, #tags = :tags, "
            + "#updatedAt = :updatedAt, #version = :next";
        if (string.IsNullOrEmpty(input.Description))
        {
            update += " REMOVE #description";
        }
        else
        {
            update += ", #description = :description";
            values[":description"] = new() { S = input.Description };
        }

        try
        {
            var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(id),
                UpdateExpression = update,
                ConditionExpression = "attribute_exists(#id) AND #version = :expected",
                ExpressionAttributeNames = Names,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.ALL_NEW,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return WriteResult<Product>.Done(FromItem(response.Attributes));
        }
        catch (ConditionalCheckFailedException failed)
        {
            return WriteResult<Product>.Refused(failed);
        }
    }

    /// <summary>Deletes the product; with <paramref name="expectedVersion"/>, only if it is still that version.</summary>
    public async Task<WriteResult<Product>> DeleteAsync(string id, long? expectedVersion, CancellationToken cancellationToken)
    {
        var request = new DeleteItemRequest
        {
            TableName = tableName,
            Key = Key(id),
            ConditionExpression = "attribute_exists(#id)",
            ExpressionAttributeNames = new() { ["#id"] = KeyAttribute },
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        };
        if (expectedVersion is { } version)
        {
            request.ConditionExpression += " AND #version = :expected";
            request.ExpressionAttributeNames["#version"] = "version";
            request.ExpressionAttributeValues = new() { [":expected"] = Number(version) };
        }

        try
        {
            await dynamoDb.DeleteItemAsync(request, cancellationToken);
            return WriteResult<Product>.Done(null);
        }
        catch (ConditionalCheckFailedException failed)
        {
            return WriteResult<Product>.Refused(failed);
        }
    }

    private static readonly Dictionary<string, string> Names = new()
    {
        ["#id"] = KeyAttribute,
        ["#name"] = "name",
        ["#description"] = "description",
        ["#price"] = "price",
        ["#currency"] = "currency",
        ["#tags"] = "tags",
        ["#updatedAt"] = "updatedAt",
        ["#version"] = "version",
    };

    private static Dictionary<string, AttributeValue> Key(string id) => new() { [KeyAttribute] = new() { S = id } };

    private static Dictionary<string, AttributeValue> ToItem(Product product)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [KeyAttribute] = new() { S = product.Id },
            ["name"] = new() { S = product.Name },
            ["price"] = Number(product.Price),
            ["currency"] = new() { S = product.Currency },
            ["tags"] = Tags(product.Tags),
            ["version"] = Number(product.Version),
            ["createdAt"] = new() { S = Timestamp(product.CreatedAt) },
            ["updatedAt"] = new() { S = Timestamp(product.UpdatedAt) },
            ["createdBy"] = new() { S = product.CreatedBy },
        };
        if (!string.IsNullOrEmpty(product.Description))
        {
            item["description"] = new() { S = product.Description };
        }

        return item;
    }

    private static Product FromItem(Dictionary<string, AttributeValue> item) => new(
        Id: item[KeyAttribute].S,
        Name: item["name"].S,
        Description: item.TryGetValue("description", out var description) ? description.S : null,
        Price: decimal.Parse(item["price"].N, NumberStyles.Number, CultureInfo.InvariantCulture),
        Currency: item["currency"].S,
        Tags: item.TryGetValue("tags", out var tags) && tags.L is { } list ? [.. list.Select(tag => tag.S)] : [],
        Version: long.Parse(item["version"].N, CultureInfo.InvariantCulture),
        CreatedAt: DateTimeOffset.Parse(item["createdAt"].S, CultureInfo.InvariantCulture),
        UpdatedAt: DateTimeOffset.Parse(item["updatedAt"].S, CultureInfo.InvariantCulture),
        CreatedBy: item["createdBy"].S);

    // DynamoDB numbers are decimal strings: a price is stored exactly, never through floating point.
    private static AttributeValue Number(decimal value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue Tags(IEnumerable<string> tags) => new() { L = [.. tags.Select(tag => new AttributeValue { S = tag })] };

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
