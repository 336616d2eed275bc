using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Samples.StandIns;

/// <summary>Creates the template's tables in DynamoDB Local.</summary>
public static class TableProvisioner
{
    /// <summary>Creates the table <paramref name="logicalId"/> of the template as <paramref name="tableName"/>.</summary>
    public static async Task CreateAsync(IAmazonDynamoDB dynamoDb, SamTemplate template, string logicalId, string tableName, CancellationToken cancellationToken = default)
    {
        try
        {
            await dynamoDb.CreateTableAsync(template.CreateTableRequest(logicalId, tableName), cancellationToken);
        }
        catch (ResourceInUseException)
        {
            return; // already there (a re-run against a persistent endpoint)
        }

        if (template.TimeToLiveAttribute(logicalId) is { } ttl)
        {
            await dynamoDb.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = tableName,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ttl, Enabled = true },
            }, cancellationToken);
        }
    }

    /// <summary>Creates every table of the template under its logical id (what `make run` uses).</summary>
    public static async Task CreateAllAsync(IAmazonDynamoDB dynamoDb, SamTemplate template, CancellationToken cancellationToken = default)
    {
        foreach (var table in template.Tables)
        {
            await CreateAsync(dynamoDb, template, table.LogicalId, table.LogicalId, cancellationToken);
        }
    }
}
