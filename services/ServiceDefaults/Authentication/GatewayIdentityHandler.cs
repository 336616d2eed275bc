using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>
/// Accepts the identity that API Gateway's authorizer already established. Amazon.Lambda.AspNetCoreServer
/// puts it on <c>HttpContext.User</c> before the pipeline runs, with authentication type
/// <c>AuthorizerIdentity</c>; re-validating the token would cost a JWKS fetch on every cold start.
/// </summary>
public sealed class GatewayIdentityHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiGateway";

    /// <summary>The authentication type Amazon.Lambda.AspNetCoreServer gives the authorizer's identity.</summary>
    public const string AuthorizerIdentityType = "AuthorizerIdentity";

    public static bool IsPresent(Microsoft.AspNetCore.Http.HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, AuthenticationType: AuthorizerIdentityType };

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(IsPresent(Context)
            ? AuthenticateResult.Success(new AuthenticationTicket(Context.User, Scheme.Name))
            : AuthenticateResult.NoResult());
}
