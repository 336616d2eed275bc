using Samples.ServiceDefaults;

namespace Samples.Chat;

/// <summary>
/// Who and where a WebSocket event comes from. In Lambda it is read from API Gateway's request context
/// (WebSocketEvent.Lambda.cs); locally from headers that only the gateway emulator of this process can
/// set (they carry its per-process secret), so a plain HTTP client cannot forge an event.
/// </summary>
public sealed partial record WebSocketEvent(string ConnectionId, string? UserId, string? DisplayName, string CallbackEndpoint)
{
    public const string SecretHeader = "X-Local-Gateway-Secret";
    public const string ConnectionHeader = "X-Local-Gateway-Connection-Id";
    public const string UserIdHeader = "X-Local-Gateway-User-Id";
    public const string DisplayNameHeader = "X-Local-Gateway-Display-Name";

    public static WebSocketEvent? From(HttpContext context)
    {
        WebSocketEvent? fromLambda = null;
        ReadLambdaEvent(context, ref fromLambda);
        if (fromLambda is not null || LambdaHosting.IsRunningInLambda)
        {
            return fromLambda;
        }

        var secret = context.RequestServices.GetRequiredService<LocalGatewaySecret>();
        var headers = context.Request.Headers;
        return secret.Matches(headers[SecretHeader]) && headers[ConnectionHeader].ToString() is { Length: > 0 } connectionId
            ? new WebSocketEvent(
                connectionId,
                NullIfEmpty(Uri.UnescapeDataString(headers[UserIdHeader].ToString())),
                NullIfEmpty(Uri.UnescapeDataString(headers[DisplayNameHeader].ToString())),
                CallbackEndpoint: $"{context.Request.Scheme}://{context.Request.Host}")
            : null;
    }

    /// <summary>In WebSocketEvent.Lambda.cs: the connection, authorizer context and callback endpoint of a Lambda event.</summary>
    static partial void ReadLambdaEvent(HttpContext context, ref WebSocketEvent? webSocketEvent);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
