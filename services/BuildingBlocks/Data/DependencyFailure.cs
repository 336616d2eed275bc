using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Samples.BuildingBlocks.Data;

/// <summary>Tells a dependency in trouble (unreachable, timing out, throttling, its table gone) from a bug.</summary>
public static class DependencyFailure
{
    /// <param name="exception">What a DynamoDB (or other AWS) call threw.</param>
    /// <param name="callerCancellation">The caller's token: a cancellation it asked for is not a dependency failure.</param>
    public static bool IsDependencyFailure(Exception exception, CancellationToken callerCancellation) => exception switch
    {
        // The SDK's attempt timeout surfaces as a cancellation the caller did not ask for.
        OperationCanceledException => !callerCancellation.IsCancellationRequested,
        // A table that does not exist: deleted, or DynamoDB Local restarted empty. Nothing the client can fix.
        ResourceNotFoundException => true,
        ProvisionedThroughputExceededException or RequestLimitExceededException => true,
        // A transaction (a delete, see VersionedTable) that collided with another write of the same item, or
        // its first attempt still running: transient, the retry succeeds.
        TransactionCanceledException canceled => canceled.CancellationReasons?.Any(reason => reason.Code is "TransactionConflict" or "ThrottlingError") == true,
        TransactionInProgressException => true,
        AmazonServiceException service => (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests
            || service.ErrorCode is "ThrottlingException" || service.InnerException is HttpRequestException or IOException or SocketException,
        // Raised inside the SDK: no connection, credentials not fetched, a response cut short.
        AmazonClientException or HttpRequestException or IOException or SocketException or TimeoutException => true,
        _ => false,
    };
}
