using Amazon.ApiGatewayManagementApi;
using Amazon.ApiGatewayManagementApi.Model;

namespace Samples.Chat;

/// <summary>
/// Posts through API Gateway's Management API (PostToConnection, signed with the function's role).
/// </summary>
public sealed class ManagementApiMessenger(Uri endpoint) : IConnectionMessenger, IDisposable
{
    private readonly AmazonApiGatewayManagementApiClient client = new(new AmazonApiGatewayManagementApiConfig
    {
        ServiceURL = endpoint.ToString(),
        // A post is one small HTTP call; the broadcaster bounds it too (ChatOptions.PostTimeout).
        Timeout = TimeSpan.FromSeconds(2),
        MaxErrorRetry = 1,
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
        catch (GoneException)
        {
            return Delivery.Gone;
        }
    }

    public void Dispose() => client.Dispose();
}
