using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>
/// Logs every refused request once, at Warning, with why (never the token): a 401 names what was wrong with the
/// credentials (none, expired, not signed by the pool, another pool or app client, not a JWT), a 403 the requirement
/// the caller did not meet. The line carries the request's correlation id like every other. The framework's own
/// lines about it are Information, below what the services log from Microsoft.AspNetCore.
/// </summary>
internal sealed partial class RefusalLog(ILogger<RefusalLog> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler answer = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            LogUnauthenticated(logger, Reason(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure));
        }
        else if (authorizeResult.Forbidden)
        {
            var unmet = authorizeResult.AuthorizationFailure?.FailedRequirements.Select(requirement => requirement.ToString()) ?? [];
            LogForbidden(logger, string.Join("; ", unmet));
        }

        return answer.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>What was wrong with the credentials, by the failure's type: its message can quote the token's claims.</summary>
    public static string Reason(Exception? failure) => failure switch
    {
        null => "no bearer token",
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "signature not made by the user pool's keys",
        SecurityTokenInvalidIssuerException => "token from another issuer",
        SecurityTokenInvalidAudienceException => "token for another app client",
        SecurityTokenInvalidAlgorithmException => "signing algorithm not allowed",
        SecurityTokenMalformedException or ArgumentException => "not a well-formed JWT",
        AggregateException { InnerExceptions: [var first, ..] } => Reason(first),
        _ => failure.GetType().Name,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused (401): {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused (403): {Unmet}")]
    private static partial void LogForbidden(ILogger logger, string unmet);
}
