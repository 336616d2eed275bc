using System.Net;
using Amazon.ApiGatewayManagementApi;
using Amazon.ApiGatewayManagementApi.Model;
using Amazon.Runtime;

namespace Samples.Chat.Rooms;

/// <summary>
/// API Gateway's Management API through the AWS SDK's client: every request signed with the function's role (SigV4),
/// throttling (429), 5xx and I/O errors retried with jittered backoff.
/// </summary>
public sealed class ManagementApiMessenger(Uri endpoint) : IConnectionMessenger, IDisposable
{
    /// <summary>One attempt's limit: API Gateway answers a post in milliseconds, so an attempt this slow is stuck.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Retries after the first attempt, in the SDK's standard mode: a jittered backoff of up to 1 s, then up to 2 s. A
    /// throttled post (API Gateway answers 429 at once) is done within about 3 s, inside
    /// <see cref="ChatOptions.PostTimeout"/>, so it is retried rather than cut off by the broadcast; a stuck one is cut
    /// by that timeout. The SDK's retry quota (per client) stops retrying throttled requests when most of them fail.
    /// </summary>
    public const int MaxErrorRetry = 2;

    private readonly AmazonApiGatewayManagementApiClient client = new(new AmazonApiGatewayManagementApiConfig
    {
        ServiceURL = endpoint.ToString(),
        Timeout = AttemptTimeout,
        MaxErrorRetry = MaxErrorRetry,
        RetryMode = RequestRetryMode.Standard,
    });

    public async Task<Delivery> PostAsync(string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            await client.PostToConnectionAsync(new PostToConnectionRequest
            {
                ConnectionId = connectionId,
                Data = new MemoryStream(frame.ToArray(), writable: false),
            }, cancellationToken);
            return Delivery.Delivered;
        }
        catch (AmazonApiGatewayManagementApiException exception) when (IsGone(exception))
        {
            return Delivery.Gone;
        }
    }

    public async Task<bool> IsOpenAsync(string connectionId, CancellationToken cancellationToken)
    {
        try
        {
            await client.GetConnectionAsync(new GetConnectionRequest { ConnectionId = connectionId }, cancellationToken);
            return true;
        }
        catch (AmazonApiGatewayManagementApiException exception) when (IsGone(exception))
        {
            return false;
        }
    }

    public async Task CloseAsync(string connectionId, CancellationToken cancellationToken)
    {
        try
        {
            await client.DeleteConnectionAsync(new DeleteConnectionRequest { ConnectionId = connectionId }, cancellationToken);
        }
        catch (AmazonApiGatewayManagementApiException exception) when (IsGone(exception))
        {
            // Closed already: what was asked.
        }
    }

    /// <summary>
    /// The client raises <see cref="GoneException"/> only when the answer names it (x-amzn-ErrorType); a 410 without it
    /// arrives as the base exception. Either way the connection is gone.
    /// </summary>
    private static bool IsGone(AmazonApiGatewayManagementApiException exception) =>
        exception is GoneException || exception.StatusCode == HttpStatusCode.Gone;

    public void Dispose() => client.Dispose();
}
