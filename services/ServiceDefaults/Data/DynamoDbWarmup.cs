using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Samples.ServiceDefaults.Data;

/// <summary>
/// Primes the DynamoDB client while the host starts: the first call pays for the SDK's set-up (config,
/// credentials, signer, endpoint rules, connection). In Lambda that lands in the init phase instead of
/// the first request. DescribeTable on the service's own table is free and within DynamoDBCrudPolicy.
/// </summary>
internal sealed partial class DynamoDbWarmup(IAmazonDynamoDB dynamoDb, string tableName, ILogger<DynamoDbWarmup> logger) : IHostedService
{
    private Task warmup = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Not awaited: Kestrel starts in parallel. A failure here only costs the warm-up.
        warmup = Task.Run(async () =>
        {
            try
            {
                await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken);
            }
            catch (Exception exception) when (exception is AmazonDynamoDBException or HttpRequestException or OperationCanceledException or Amazon.Runtime.AmazonClientException)
            {
                LogWarmupFailed(logger, tableName, exception.Message);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => warmup.WaitAsync(cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB warm-up on table {TableName} failed: {Reason}")]
    private static partial void LogWarmupFailed(ILogger logger, string tableName, string reason);
}
