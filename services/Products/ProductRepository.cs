using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;

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
    private static readonly PageKey ListPageKey = new([KeyAttribute]);

    private readonly VersionedTable table = new(dynamoDb, options.Value.TableName, KeyAttribute);

    public async Task<Product?> GetAsync(string id, CancellationToken cancellationToken) =>
        await table.GetAsync(id, cancellationToken) is { } item ? FromItem(item) : null;

    /// <summary>One page of products; a <paramref name="nextToken"/> this list did not issue throws <see cref="InvalidPageTokenException"/>.</summary>
    public async Task<Page<Product>> ListAsync(int limit, string? nextToken, CancellationToken cancellationToken)
    {
        var (items, next) = await table.ScanAsync(PageRequest.For(limit, nextToken, ListPageKey), cancellationToken);
        return new Page<Product>([.. items.Select(FromItem)], next);
    }

    /// <returns>The product as stored (an earlier attempt of the same request may have stored it); null when another request's product has this id.</returns>
    public async Task<Product?> CreateAsync(Product product, WriteToken token, CancellationToken cancellationToken)
    {
        var fields = Fields(new ProductDraft(product.Name, product.Description, product.Price, product.Currency, product.Tags), product.UpdatedAt);
        fields[Attributes.CreatedAt] = Timestamp(product.CreatedAt);
        fields[Attributes.CreatedBy] = new() { S = product.CreatedBy };
        return await table.CreateAsync(product.Id, fields, token, cancellationToken) is { } stored ? FromItem(stored) : null;
    }

    /// <summary>Replaces the client-editable fields if the stored version is <paramref name="expectedVersion"/>.</summary>
    public async Task<WriteResult<Product>> ReplaceAsync(
        string id, ProductDraft draft, long expectedVersion, DateTimeOffset now, WriteToken token, CancellationToken cancellationToken)
    {
        var result = await table.ReplaceAsync(id, Fields(draft, now), expectedVersion, token, cancellationToken);
        return new(result.Outcome, result.Value is { } item ? FromItem(item) : null);
    }

    public Task<WriteOutcome> DeleteAsync(string id, long? expectedVersion, WriteToken token, CancellationToken cancellationToken) =>
        table.DeleteAsync(id, expectedVersion, token, cancellationToken);

    /// <summary>The attributes a client's draft sets; null removes one (a replace without a description).</summary>
    private static Dictionary<string, AttributeValue?> Fields(ProductDraft draft, DateTimeOffset updatedAt) => new()
    {
        [Attributes.Name] = new() { S = draft.Name },
        [Attributes.Description] = draft.Description is { } description ? new() { S = description } : null,
        // DynamoDB numbers are decimal strings: a price is stored exactly, never through floating point.
        [Attributes.Price] = new() { N = draft.Price.ToString(CultureInfo.InvariantCulture) },
        [Attributes.Currency] = new() { S = draft.Currency },
        [Attributes.Tags] = new() { L = [.. draft.Tags.Select(tag => new AttributeValue { S = tag })] },
        [Attributes.UpdatedAt] = Timestamp(updatedAt),
    };

    private static Product FromItem(Dictionary<string, AttributeValue> item) => new(
        Id: item[KeyAttribute].S,
        Name: item[Attributes.Name].S,
        Description: item.TryGetValue(Attributes.Description, out var description) ? description.S : null,
        Price: decimal.Parse(item[Attributes.Price].N, NumberStyles.Number, CultureInfo.InvariantCulture),
        Currency: item[Attributes.Currency].S,
        Tags: item.TryGetValue(Attributes.Tags, out var tags) && tags.L is { } list ? [.. list.Select(tag => tag.S)] : [],
        Version: long.Parse(item[VersionedTable.VersionAttribute].N, CultureInfo.InvariantCulture),
        CreatedAt: DateTimeOffset.Parse(item[Attributes.CreatedAt].S, CultureInfo.InvariantCulture),
        UpdatedAt: DateTimeOffset.Parse(item[Attributes.UpdatedAt].S, CultureInfo.InvariantCulture),
        CreatedBy: item[Attributes.CreatedBy].S);

    private static AttributeValue Timestamp(DateTimeOffset time) => new() { S = time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) };

    /// <summary>The item's attribute names, each written once.</summary>
    private static class Attributes
    {
        public const string Name = "name";
        public const string Description = "description";
        public const string Price = "price";
        public const string Currency = "currency";
        public const string Tags = "tags";
        public const string CreatedAt = "createdAt";
        public const string UpdatedAt = "updatedAt";
        public const string CreatedBy = "createdBy";
    }
}
