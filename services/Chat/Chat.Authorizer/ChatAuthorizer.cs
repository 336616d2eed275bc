using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Samples.BuildingBlocks.Validation;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Chat.Authorizer;

/// <summary>
/// Decides a WebSocket handshake: the Cognito token arrives as <c>?token=</c> (browsers cannot set headers
/// on a handshake) and is validated with the same rules as the HTTP services. Used by the Lambda REQUEST
/// authorizer in AWS and by the local stand-in for the WebSocket API (tools/StandIns).
/// </summary>
public sealed partial class ChatAuthorizer(CognitoTokenValidator validator, ILogger<ChatAuthorizer> logger)
{
    /// <summary>The context keys Chat reads (Chat's WebSocketEvent has the same; a test checks they agree).</summary>
    public const string UserIdKey = "userId";
    public const string DisplayNameKey = "displayName";
    private const int MaxDisplayName = 100;

    /// <summary>
    /// The REQUEST authorizer's answer for an API Gateway event: its query string parameters and method ARN.
    /// An IAM policy allowing or denying execute-api:Invoke on that ARN, and the caller's id and name as context.
    /// </summary>
    public async Task<AuthorizerResult> AuthorizeAsync(
        IReadOnlyDictionary<string, string>? queryStringParameters, string methodArn, CancellationToken cancellationToken)
    {
        string? token = null;
        queryStringParameters?.TryGetValue("token", out token);
        if (await ValidateAsync(token, cancellationToken) is not { } identity)
        {
            LogDenied(logger, string.IsNullOrWhiteSpace(token) ? "no token in the query string" : "the token is not a valid, current token of this pool");
            return new AuthorizerResult("anonymous", "Deny", methodArn, new Dictionary<string, string>());
        }

        var userId = identity.FindFirst("sub")!.Value;
        var name = DisplayName(identity, userId);
        LogAllowed(logger, userId);
        return new AuthorizerResult(userId, "Allow", methodArn, new Dictionary<string, string>
        {
            [UserIdKey] = userId,
            [DisplayNameKey] = name,
        });
    }

    /// <summary>
    /// The name a member is shown by: the token's <c>name</c>, else <c>preferred_username</c>, else the e-mail's local
    /// part; each only if it is one line of visible text. Never <c>cognito:username</c>: in pools that sign in by
    /// e-mail it is a UUID. A token with none of them (an access token, which carries no profile claims) gets a
    /// neutral name from the user id, which the member list then tells apart.
    /// </summary>
    internal static string DisplayName(ClaimsIdentity identity, string userId)
    {
        string?[] candidates =
        [
            identity.FindFirst("name")?.Value,
            identity.FindFirst("preferred_username")?.Value,
            identity.FindFirst("email")?.Value is { } email && email.IndexOf('@') is > 0 and var at ? email[..at] : null,
        ];
        foreach (var candidate in candidates)
        {
            var trimmed = candidate?.Trim();
            if (trimmed is { Length: > 0 } && TextRules.IsVisibleLine(trimmed))
            {
                // Cut at a whole code point: half a surrogate pair is not text.
                return trimmed.Length <= MaxDisplayName ? trimmed
                    : trimmed[..(char.IsHighSurrogate(trimmed[MaxDisplayName - 1]) ? MaxDisplayName - 1 : MaxDisplayName)];
            }
        }

        return "member-" + (userId.Length > 8 ? userId[..8] : userId);
    }

    /// <summary>
    /// The token's identity, or null. When the pool's signing keys cannot be fetched (Cognito or the network
    /// down, the metadata fetch timing out) the answer is also null, so the handshake is denied: an
    /// authorizer that throws would be an invocation error, which API Gateway turns into a 500.
    /// </summary>
    private async Task<ClaimsIdentity?> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        try
        {
            return await validator.ValidateAsync(token, cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or IOException or OperationCanceledException)
        {
            LogValidatorUnavailable(logger, exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "$connect allowed for user {UserId}")]
    private static partial void LogAllowed(ILogger logger, string userId);

    /// <summary>The reason, never the token.</summary>
    [LoggerMessage(Level = LogLevel.Warning, Message = "$connect denied: {Reason}")]
    private static partial void LogDenied(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not validate a $connect token: the pool's signing keys are unavailable; denied")]
    private static partial void LogValidatorUnavailable(ILogger logger, Exception exception);
}

/// <summary>What API Gateway needs back from a REQUEST authorizer: principal, policy effect on the method, context.</summary>
public sealed record AuthorizerResult(string PrincipalId, string Effect, string Resource, IReadOnlyDictionary<string, string> Context)
{
    public bool IsAllowed => Effect == "Allow";
}
