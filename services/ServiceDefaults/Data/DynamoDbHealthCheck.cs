using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Samples.BuildingBlocks.Data;

namespace Samples.ServiceDefaults.Data;

/// <summary>Healthy when the service's table answers and is ACTIVE (DescribeTable: free, within DynamoDBCrudPolicy).</summary>
internal sealed class DynamoDbHealthCheck(IAmazonDynamoDB dynamoDb, string tableName) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var table = await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken);
            return table.Table.TableStatus == TableStatus.ACTIVE
                ? HealthCheckResult.Healthy($"Table {tableName} is active.")
                : HealthCheckResult.Degraded($"Table {tableName} is {table.Table.TableStatus}.");
        }
        catch (ResourceNotFoundException)
        {
            return HealthCheckResult.Unhealthy($"Table {tableName} does not exist.");
        }
        catch (Exception exception) when (DependencyFailure.IsDependencyFailure(exception, cancellationToken))
        {
            return HealthCheckResult.Unhealthy("DynamoDB cannot be reached.", exception);
        }
    }
}
