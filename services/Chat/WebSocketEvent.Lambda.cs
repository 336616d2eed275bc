using Amazon.Lambda.APIGatewayEvents;

namespace Samples.Chat;

// Compiled only in the full build. Amazon.Lambda.AspNetCoreServer turns each WebSocket event into
// POST /{routeKey} and keeps the raw APIGatewayProxyRequest in HttpContext.Items["LambdaRequestObject"].
public sealed partial record WebSocketEvent
{
    static partial void ReadLambdaEvent(HttpContext context, ref WebSocketEvent? webSocketEvent)
    {
        if (context.Items["LambdaRequestObject"] is not APIGatewayProxyRequest { RequestContext: { ConnectionId: { Length: > 0 } connectionId } request })
        {
            return;
        }

        // The REQUEST authorizer's context reaches $connect as requestContext.authorizer.{key}.
        string? Authorizer(string key) => request.Authorizer is { } authorizer && authorizer.TryGetValue(key, out var value) ? value?.ToString() : null;

        webSocketEvent = new WebSocketEvent(
            connectionId,
            Authorizer(ChatAuthorizer.UserIdKey),
            Authorizer(ChatAuthorizer.DisplayNameKey),
            CallbackEndpoint: $"https://{request.DomainName}/{request.Stage}");
    }
}
