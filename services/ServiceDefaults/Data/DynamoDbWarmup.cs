using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Samples.ServiceDefaults.Data;

/// <summary>
/// Primes the DynamoDB client while the host starts: the first call pays for the SDK's set-up (config, credentials,
/// signer, endpoint rules, connection). On Kestrel and in a provisioned-concurrency init that happens before any
/// request; an on-demand Lambda init skips it (see StartAsync). DescribeTable on the service's own table is free and
/// within DynamoDBCrudPolicy.
/// </summary>
internal sealed partial class DynamoDbWarmup(IAmazonDynamoDB dynamoDb, string tableName, ILogger<DynamoDbWarmup> logger) : IHostedService
{
    private Task warmup = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (LambdaHosting.InitializationType == "on-demand")
        {
            // An on-demand cold start: the event that caused it is already waiting when init ends, so a warm-up would
            // run beside the first request on the same fraction of a vCPU and open a second connection, while that
            // request sets up the client itself all the same (docs/performance.md, "Where the cold start goes").
            // Provisioned concurrency initialises ahead of traffic, and SnapStart's warm-up requests run /health.
            return Task.CompletedTask;
        }

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
