using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>
/// Logs every refused request once, at Warning, with why (never the token): a 401 names what was wrong with the
/// credentials (none, expired, not signed by the pool, another pool or app client, not a JWT), a 403 the requirement
/// the caller did not meet. The line carries the request's correlation id like every other. The framework's own
/// lines about it are Information, below what the services log from Microsoft.AspNetCore.
/// </summary>
internal sealed partial class RefusalLog(ILogger<RefusalLog> logger, IOptions<CognitoAuthOptions> auth) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler answer = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            LogUnauthenticated(logger, context.Features.Get<BearerFailure>() is { } failure ? failure.Reason(auth.Value) : "no bearer token");
        }
        else if (authorizeResult.Forbidden)
        {
            var unmet = authorizeResult.AuthorizationFailure?.FailedRequirements.Select(requirement => requirement.ToString()) ?? [];
            LogForbidden(logger, string.Join("; ", unmet));
        }

        return answer.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>
    /// Why the bearer token failed, as JwtBearer's OnAuthenticationFailed saw it (the authentication middleware keeps
    /// only successful results, so the failure is handed over here), with the token's claims read unverified.
    /// </summary>
    public sealed record BearerFailure(Exception Exception, JsonWebToken? Unverified)
    {
        public static Task Remember(AuthenticationFailedContext context)
        {
            JsonWebToken? unverified = null;
            if (context.Request.Headers.Authorization.ToString() is ['B', 'e', 'a', 'r', 'e', 'r', ' ', .. var token])
            {
                try
                {
                    unverified = new JsonWebToken(token.Trim());
                }
                catch (ArgumentException)
                {
                    // Not a JWT at all: the exception says so.
                }
            }

            context.HttpContext.Features.Set(new BearerFailure(context.Exception, unverified));
            return Task.CompletedTask;
        }

        /// <summary>
        /// What was wrong with the credentials, by the failure's type, never its message (it can quote the token's
        /// claims). IdentityModel reports an expired token, or one of another issuer or app client, that the pool did
        /// sign as a signature failure (IDX10511, the real cause only in its text): for those the token's own claims,
        /// read unverified and only to name the cause, tell which.
        /// </summary>
        public string Reason(CognitoAuthOptions auth) => Exception switch
        {
            SecurityTokenExpiredException => "token expired",
            SecurityTokenNotYetValidException => "token not yet valid",
            SecurityTokenInvalidIssuerException => "token from another issuer",
            SecurityTokenInvalidAudienceException => "token for another app client",
            SecurityTokenInvalidAlgorithmException => "signing algorithm not allowed",
            SecurityTokenMalformedException or ArgumentException => "not a well-formed JWT",
            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => Unverified switch
            {
                { ValidTo: var expires } when expires != DateTime.MinValue && expires < DateTime.UtcNow => "token expired",
                { Issuer: var issuer } when issuer != auth.Authority.TrimEnd('/') => "token from another issuer",
                { } token when !token.Audiences.Contains(auth.Audience)
                    && !(token.TryGetPayloadValue<string>("client_id", out var clientId) && clientId == auth.Audience) => "token for another app client",
                _ => "signature not made by the user pool's keys",
            },
            _ => Exception.GetType().Name,
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused (401): {Reason}")]
    private static partial void LogUnauthenticated(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused (403): {Unmet}")]
    private static partial void LogForbidden(ILogger logger, string unmet);
}
