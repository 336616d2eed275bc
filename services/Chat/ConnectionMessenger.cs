namespace Samples.Chat;

/// <summary>How a post to one connection ended.</summary>
public enum Delivery
{
    Delivered,

    /// <summary>The connection no longer exists (API Gateway's 410 / GoneException).</summary>
    Gone,
}

/// <summary>
/// Sends a frame to one WebSocket connection. In Lambda: the API Gateway Management API of the API the
/// event came from; locally: the gateway emulator's /@connections endpoint.
/// </summary>
public interface IConnectionMessenger
{
    Task<Delivery> PostAsync(WebSocketEvent origin, string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);
}

public static partial class ConnectionMessengerRegistration
{
    public static IServiceCollection AddConnectionMessenger(this IServiceCollection services)
    {
        var registered = false;
        AddApiGatewayManagementApi(services, ref registered);
        if (!registered)
        {
            services.AddSingleton<IConnectionMessenger, LocalGatewayMessenger>();
        }

        return services;
    }

    /// <summary>In ConnectionMessenger.Lambda.cs (left out of RestrictedFeed builds); registers only inside Lambda.</summary>
    static partial void AddApiGatewayManagementApi(IServiceCollection services, ref bool registered);
}
