using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Samples.Chat;

/// <summary>How a post to one connection ended.</summary>
public enum Delivery
{
    Delivered,

    /// <summary>The connection no longer exists (API Gateway's 410 / GoneException).</summary>
    Gone,
}

/// <summary>Sends a frame to one WebSocket connection through the API's <c>/@connections</c> endpoint.</summary>
public interface IConnectionMessenger
{
    Task<Delivery> PostAsync(string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

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

    public async Task<Delivery> PostAsync(string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "@connections/" + Uri.EscapeDataString(connectionId))
        {
            Content = new ReadOnlyMemoryContent(frame),
        };
        request.Headers.Add(IntegrationHeaders.Key, integrationKey);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode == HttpStatusCode.Gone ? Delivery.Gone
            : response.IsSuccessStatusCode ? Delivery.Delivered
            : throw new HttpRequestException($"The gateway answered {(int)response.StatusCode}.", null, response.StatusCode);
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
