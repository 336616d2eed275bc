using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>
/// Validates a Cognito token outside the HTTP pipeline, with exactly the rules JwtBearer applies
/// (<see cref="AuthenticationSetup.ValidationParameters"/>): for
/// tokens that arrive in a query string (WebSocket handshakes, where browsers cannot set headers).
/// </summary>
public sealed class CognitoTokenValidator(TokenValidationParameters parameters, IConfigurationManager<OpenIdConnectConfiguration> metadata)
{
    private readonly JsonWebTokenHandler handler = new() { MapInboundClaims = false };

    /// <summary>For code that runs outside ASP.NET Core, such as a Lambda authorizer.</summary>
    public static CognitoTokenValidator Create(CognitoAuthOptions auth, HttpClient? http = null) =>
        new(AuthenticationSetup.ValidationParameters(auth), new ConfigurationManager<OpenIdConnectConfiguration>(
            auth.Authority.TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http ?? new HttpClient()) { RequireHttps = auth.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase) }));

    /// <returns>The token's identity, or null when it is missing, malformed, expired, forged or foreign.</returns>
    public async Task<ClaimsIdentity?> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 16 * 1024)
        {
            return null;
        }

        var configuration = await metadata.GetConfigurationAsync(cancellationToken);
        var rules = parameters.Clone();
        rules.IssuerSigningKeys = configuration.SigningKeys;
        var result = await handler.ValidateTokenAsync(token, rules);
        return result.IsValid && result.ClaimsIdentity.FindFirst("sub") is not null ? result.ClaimsIdentity : null;
    }
}
