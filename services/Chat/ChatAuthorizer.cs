using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Chat;

/// <summary>
/// Decides a WebSocket handshake: the Cognito token arrives as <c>?token=</c> (browsers cannot set headers
/// on a handshake) and is validated with the same rules as the HTTP services. Used by the Lambda REQUEST
/// authorizer in AWS and by the local gateway emulator.
/// </summary>
public sealed class ChatAuthorizer(CognitoTokenValidator validator)
{
    public const string UserIdKey = "userId";
    public const string DisplayNameKey = "displayName";
    private const int MaxDisplayName = 100;

    /// <summary>Inside the app: the app's own JwtBearer settings (issuer, audience, key cache).</summary>
    public static ChatAuthorizer FromJwtBearer(IServiceProvider services) => new(CognitoTokenValidator.From(
        services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme)));

    /// <summary>
    /// The REQUEST authorizer's answer for an API Gateway event: its query string parameters and method ARN.
    /// An IAM policy allowing or denying execute-api:Invoke on that ARN, and the caller's id and name as context.
    /// </summary>
    public async Task<AuthorizerResult> AuthorizeAsync(
        IReadOnlyDictionary<string, string>? queryStringParameters, string methodArn, CancellationToken cancellationToken)
    {
        string? token = null;
        queryStringParameters?.TryGetValue("token", out token);
        var identity = await validator.ValidateAsync(token, cancellationToken);
        if (identity is null)
        {
            return new AuthorizerResult("anonymous", "Deny", methodArn, new Dictionary<string, string>());
        }

        var userId = identity.FindFirst("sub")!.Value;
        var name = identity.FindFirst("name")?.Value
            ?? identity.FindFirst("cognito:username")?.Value
            ?? identity.FindFirst("email")?.Value.Split('@')[0]
            ?? userId;
        return new AuthorizerResult(userId, "Allow", methodArn, new Dictionary<string, string>
        {
            [UserIdKey] = userId,
            [DisplayNameKey] = name.Length > MaxDisplayName ? name[..MaxDisplayName] : name,
        });
    }
}

/// <summary>What API Gateway needs back from a REQUEST authorizer: principal, policy effect on the method, context.</summary>
public sealed record AuthorizerResult(string PrincipalId, string Effect, string Resource, IReadOnlyDictionary<string, string> Context)
{
    public bool IsAllowed => Effect == "Allow";
}
