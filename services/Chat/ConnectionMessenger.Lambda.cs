using System.Collections.Concurrent;
using Amazon.ApiGatewayManagementApi;
using Amazon.ApiGatewayManagementApi.Model;
using Samples.ServiceDefaults;

namespace Samples.Chat;

// Compiled only in the full build: AWSSDK.ApiGatewayManagementApi is missing from partial NuGet mirrors.
public static partial class ConnectionMessengerRegistration
{
    static partial void AddApiGatewayManagementApi(IServiceCollection services, ref bool registered)
    {
        if (LambdaHosting.IsRunningInLambda)
        {
            services.AddSingleton<IConnectionMessenger, ApiGatewayManagementMessenger>();
            registered = true;
        }
    }
}

/// <summary>Posts through the Management API at https://{domainName}/{stage}, the endpoint of the calling API.</summary>
internal sealed class ApiGatewayManagementMessenger : IConnectionMessenger, IDisposable
{
    // One client per endpoint (a function normally serves one API and stage); clients are thread-safe.
    private readonly ConcurrentDictionary<string, AmazonApiGatewayManagementApiClient> clients = new(StringComparer.Ordinal);

    public async Task<Delivery> PostAsync(WebSocketEvent origin, string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var client = clients.GetOrAdd(origin.CallbackEndpoint, endpoint =>
            new AmazonApiGatewayManagementApiClient(new AmazonApiGatewayManagementApiConfig
            {
                ServiceURL = endpoint,
                // A post is one small HTTP call; the broadcaster bounds it too (ChatOptions.PostTimeout).
                Timeout = TimeSpan.FromSeconds(2),
                MaxErrorRetry = 1,
            }));
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

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }
}
