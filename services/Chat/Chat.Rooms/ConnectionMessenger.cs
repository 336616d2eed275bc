using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Samples.Chat.Rooms;

/// <summary>How a post to one connection ended.</summary>
public enum Delivery
{
    Delivered,

    /// <summary>The connection no longer exists (API Gateway's 410 / GoneException).</summary>
    Gone,
}

/// <summary>One WebSocket connection through the API's <c>/@connections</c> endpoint: post to it, ask after it, close it.</summary>
public interface IConnectionMessenger
{
    Task<Delivery> PostAsync(string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>GetConnection: false once the connection is gone (410), or was never opened.</summary>
    Task<bool> IsOpenAsync(string connectionId, CancellationToken cancellationToken);

    /// <summary>DeleteConnection: the gateway closes the socket (after what was posted to it) and runs $disconnect.</summary>
    Task CloseAsync(string connectionId, CancellationToken cancellationToken);

    /// <summary>
    /// The messenger for <see cref="ChatOptions.ConnectionsEndpoint"/>: API Gateway's Management API (SigV4, through
    /// the SDK); or, when the options hold the local stand-in gateway's integration key, plain HTTP to that gateway.
    /// </summary>
    public static IConnectionMessenger For(ChatOptions options) => options switch
    {
        { ConnectionsEndpoint: null } => throw new InvalidOperationException("Chat:ConnectionsEndpoint is not set."),
        { IntegrationKey: { Length: > 0 } key } => new HttpConnectionMessenger(options.ConnectionsEndpoint, key),
        _ => new ManagementApiMessenger(options.ConnectionsEndpoint),
    };
}

/// <summary>
/// Posts over plain HTTP to a gateway that speaks the Management API's wire format without SigV4: the
/// stand-in of <c>make run</c> and the tests. It proves itself with the integration key instead.
/// </summary>
public sealed class HttpConnectionMessenger(Uri endpoint, string? integrationKey) : IConnectionMessenger, IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = endpoint };

    public async Task<Delivery> PostAsync(string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, connectionId, new ReadOnlyMemoryContent(frame), cancellationToken) ? Delivery.Delivered : Delivery.Gone;

    public Task<bool> IsOpenAsync(string connectionId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, connectionId, content: null, cancellationToken);

    public Task CloseAsync(string connectionId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, connectionId, content: null, cancellationToken);

    /// <returns>False when the gateway answers 410 (the connection is gone).</returns>
    private async Task<bool> SendAsync(HttpMethod method, string connectionId, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, "@connections/" + Uri.EscapeDataString(connectionId)) { Content = content };
        request.Headers.Add(IntegrationHeaders.Key, integrationKey);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    public void Dispose() => http.Dispose();
}

/// <summary>The request context an HTTP integration receives as headers (values URI-escaped: headers are ASCII).</summary>
public static class IntegrationHeaders
{
    public const string Key = "X-Integration-Key";
    public const string ConnectionId = "X-Connection-Id";
    public const string UserId = "X-Authorizer-User-Id";
    public const string DisplayName = "X-Authorizer-Display-Name";

    /// <summary>Constant-time; no key configured means no caller is trusted.</summary>
    public static bool KeyMatches(string? expected, string? presented) =>
        expected is { Length: >= 32 } && presented is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
