using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Products;

/// <summary>
/// Products in DynamoDB, mapped by hand (no table metadata calls at cold start, nothing reflected).
/// Every write is conditional (see <see cref="VersionedTable"/>), so nothing is silently overwritten.
/// </summary>
public sealed class ProductRepository(IAmazonDynamoDB dynamoDb, IOptions<ProductsOptions> options)
{
    /// <summary>The table's partition key (infra/template.yaml, ProductsTable). Tests check they agree.</summary>
    public const string KeyAttribute = "id";

    /// <summary>What a page token of the product list holds: the table key.</summary>
    public static readonly PageKey ListPageKey = new([KeyAttribute]);

    private readonly VersionedTable table = new(dynamoDb, options.Value.TableName, KeyAttribute);

    public async Task<Product?> GetAsync(string id, CancellationToken cancellationToken) =>
        await table.GetAsync(id, cancellationToken) is { } item ? FromItem(item) : null;

    public async Task<Page<Product>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var (items, nextToken) = await table.ScanAsync(page, cancellationToken);
        return new Page<Product>([.. items.Select(FromItem)], nextToken);
    }

    /// <returns>False when a product with this id already exists.</returns>
    public Task<bool> CreateAsync(Product product, CancellationToken cancellationToken) =>
        table.CreateAsync(ToItem(product), cancellationToken);

    /// <summary>Replaces the client-editable fields if the stored version is <paramref name="expectedVersion"/>.</summary>
    public async Task<WriteResult<Product>> ReplaceAsync(
        string id, ProductInput input, long expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await table.ReplaceAsync(id, new Dictionary<string, AttributeValue?>
        {
            ["name"] = new() { S = input.TrimmedName },
            ["description"] = string.IsNullOrEmpty(input.Description) ? null : new() { S = input.Description },
            ["price"] = Price(input.Price!.Value),
            ["currency"] = new() { S = input.Currency },
            ["tags"] = Tags(input.Tags ?? []),
            ["updatedAt"] = new() { S = Timestamp(now) },
        }, expectedVersion, cancellationToken);
        return new(result.Outcome, result.Value is { } item ? FromItem(item) : null);
    }

    public Task<WriteOutcome> DeleteAsync(string id, long? expectedVersion, CancellationToken cancellationToken) =>
        table.DeleteAsync(id, expectedVersion, cancellationToken);

    private static Dictionary<string, AttributeValue> ToItem(Product product)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [KeyAttribute] = new() { S = product.Id },
            ["name"] = new() { S = product.Name },
            ["price"] = Price(product.Price),
            ["currency"] = new() { S = product.Currency },
            ["tags"] = Tags(product.Tags),
            [VersionedTable.VersionAttribute] = VersionedTable.Number(product.Version),
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
        Version: long.Parse(item[VersionedTable.VersionAttribute].N, CultureInfo.InvariantCulture),
        CreatedAt: DateTimeOffset.Parse(item["createdAt"].S, CultureInfo.InvariantCulture),
        UpdatedAt: DateTimeOffset.Parse(item["updatedAt"].S, CultureInfo.InvariantCulture),
        CreatedBy: item["createdBy"].S);

    // DynamoDB numbers are decimal strings: a price is stored exactly, never through floating point.
    private static AttributeValue Price(decimal value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue Tags(IEnumerable<string> tags) => new() { L = [.. tags.Select(tag => new AttributeValue { S = tag })] };

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
