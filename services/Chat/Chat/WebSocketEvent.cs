using Microsoft.Extensions.Options;
using Samples.Chat.Rooms;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Chat;

/// <summary>
/// Who a WebSocket event comes from. Handlers take it as a parameter; binding it is the guard: a request
/// that is not an event from the API's gateway gets a 403 problem and never reaches a handler.
/// </summary>
public sealed record WebSocketEvent(string ConnectionId, string? UserId, string? DisplayName)
{
    /// <summary>API Gateway's limit for one WebSocket message (and so for an event body).</summary>
    public const int MaxMessageBytes = RoomRules.MaxMessageBytes;

    /// <summary>The keys of the $connect authorizer's context (ChatAuthorizer sets them).</summary>
    public const string UserIdKey = "userId";
    public const string DisplayNameKey = "displayName";

    public static ValueTask<WebSocketEvent> BindAsync(HttpContext context) =>
        ValueTask.FromResult((LambdaHosting.IsRunningInLambda ? FromLambda(context) : FromHttpIntegration(context))
            ?? throw new BadHttpRequestException("Only the WebSocket API's gateway sends events to this endpoint.", StatusCodes.Status403Forbidden));

    /// <summary>
    /// In Lambda, Amazon.Lambda.AspNetCoreServer puts requestContext.connectionId in HttpContext.Connection.Id
    /// and the authorizer's context in HttpContext.User (<see cref="GatewayIdentityHandler.AuthorizerIdentityType"/>).
    /// </summary>
    internal static WebSocketEvent? FromLambda(HttpContext context)
    {
        if (context.Connection.Id is not { Length: > 0 } connectionId)
        {
            return null;
        }

        var identity = context.User.Identities.FirstOrDefault(identity => identity.AuthenticationType == GatewayIdentityHandler.AuthorizerIdentityType);
        return new WebSocketEvent(connectionId, identity?.FindFirst(UserIdKey)?.Value, identity?.FindFirst(DisplayNameKey)?.Value);
    }

    /// <summary>
    /// Elsewhere, Chat is the WebSocket API's HTTP integration: the gateway maps its request context into
    /// headers (as request parameters <c>integration.request.header.*</c> do) and sends the integration key,
    /// which only it holds. <c>make run</c> and the tests use the WebSocket API stand-in of tools/StandIns.
    /// </summary>
    private static WebSocketEvent? FromHttpIntegration(HttpContext context)
    {
        var headers = context.Request.Headers;
        var key = context.RequestServices.GetRequiredService<IOptions<ChatOptions>>().Value.IntegrationKey;
        return IntegrationHeaders.KeyMatches(key, headers[IntegrationHeaders.Key]) && headers[IntegrationHeaders.ConnectionId].ToString() is { Length: > 0 } connectionId
            ? new WebSocketEvent(connectionId, Unescaped(headers[IntegrationHeaders.UserId]), Unescaped(headers[IntegrationHeaders.DisplayName]))
            : null;
    }

    private static string? Unescaped(string? value) => value is { Length: > 0 } ? Uri.UnescapeDataString(value) : null;
}
