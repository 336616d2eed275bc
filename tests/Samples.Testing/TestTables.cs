using Amazon.DynamoDBv2.Model;
using Samples.StandIns;

namespace Samples.Testing;

/// <summary>Tables for one test class: the template's definitions under unique names.</summary>
public static class TestTables
{
    private static readonly Lazy<SamTemplate> Template = new(() => SamTemplate.Load());

    public static async Task<string> CreateAsync(string logicalId, string? dynamoDbUrl = null)
    {
        var name = $"{logicalId}-{Guid.NewGuid():N}";
        await CreateAsync(logicalId, name, dynamoDbUrl ?? await DynamoDbEndpoint.UrlAsync());
        return name;
    }

    /// <summary>Creates the table <paramref name="logicalId"/> as <paramref name="name"/> at <paramref name="dynamoDbUrl"/>.</summary>
    public static async Task CreateAsync(string logicalId, string name, string dynamoDbUrl)
    {
        using var client = DynamoDbLocal.Client(dynamoDbUrl);
        await TableProvisioner.CreateAsync(client, Template.Value, logicalId, name);
    }

    /// <summary>Every item of a table, for asserting that a refused request changed nothing.</summary>
    public static async Task<IReadOnlyList<string>> SnapshotAsync(string tableName, string? dynamoDbUrl = null)
    {
        using var client = dynamoDbUrl is null ? await DynamoDbEndpoint.ClientAsync() : DynamoDbLocal.Client(dynamoDbUrl);
        var items = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest { TableName = tableName, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items.Select(Describe));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        items.Sort(StringComparer.Ordinal);
        return items;
    }

    public static async Task<Dictionary<string, AttributeValue>?> GetItemAsync(string tableName, string keyName, string key, string? dynamoDbUrl = null)
    {
        using var client = dynamoDbUrl is null ? await DynamoDbEndpoint.ClientAsync() : DynamoDbLocal.Client(dynamoDbUrl);
        var response = await client.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [keyName] = new AttributeValue { S = key } },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private static string Describe(Dictionary<string, AttributeValue> item) =>
        string.Join(";", item.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={Describe(pair.Value)}"));

    private static string Describe(AttributeValue value) =>
        value.S ?? value.N ?? (value.L is { } list ? "[" + string.Join(",", list.Select(Describe)) + "]" : value.BOOL?.ToString() ?? "?");
}
