using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Samples.BuildingBlocks.Authentication;

namespace Samples.ServiceDefaults.Authentication;

public static class AuthenticationSetup
{
    public const string DefaultScheme = "GatewayOrBearer";

    /// <summary>
    /// One default scheme, three run modes: behind an API Gateway authorizer the gateway's identity is used
    /// as is; under <c>sam local start-api</c> (which skips authorizers) and on Kestrel the bearer token is
    /// validated here. A route whose gateway authorizer was forgotten is therefore still protected.
    /// </summary>
    internal static IServiceCollection AddGatewayAuthentication(this IServiceCollection services)
    {
        services.AddOptions<CognitoAuthOptions>()
            .BindConfiguration(CognitoAuthOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CognitoAuthOptions>, CognitoAuthOptionsValidator>();

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "API Gateway identity, else bearer token", options =>
                options.ForwardDefaultSelector = context => GatewayIdentityHandler.IsPresent(context)
                    ? GatewayIdentityHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, GatewayIdentityHandler>(GatewayIdentityHandler.SchemeName, null)
            .AddJwtBearer();

        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<CognitoAuthOptions>>((jwt, auth) => ConfigureCognito(jwt, auth.Value));
        services.AddSingleton<IClaimsTransformation, CognitoGroups>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalLog>();

        // A signed-in caller is one with a subject: every Cognito token has "sub".
        var signedIn = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim("sub").Build();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(signedIn)
            // Secure by default: an endpoint without its own policy or AllowAnonymous needs a signed-in caller.
            .SetFallbackPolicy(signedIn)
            .AddPolicy(Policies.Admin, policy => policy.Combine(signedIn).RequireRole(CognitoGroups.Admin));

        return services;
    }

    private static void ConfigureCognito(JwtBearerOptions jwt, CognitoAuthOptions auth)
    {
        jwt.Authority = auth.Authority;
        // The local Cognito emulator serves its metadata over plain http on localhost.
        jwt.RequireHttpsMetadata = auth.Authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        jwt.MapInboundClaims = false; // keep Cognito's claim names: sub, email, cognito:groups
        // Why a token failed is logged (RefusalLog), never told to the caller in WWW-Authenticate.
        jwt.IncludeErrorDetails = false;
        jwt.Events = new JwtBearerEvents { OnAuthenticationFailed = RefusalLog.BearerFailure.Remember };
        jwt.TokenValidationParameters = ValidationParameters(auth);
    }

    /// <summary>Cognito's token rules, shared by JwtBearer and <see cref="CognitoTokenValidator"/>.</summary>
    public static TokenValidationParameters ValidationParameters(CognitoAuthOptions auth) => new()
    {
        ValidIssuer = auth.Authority.TrimEnd('/'),
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromMinutes(1),
        NameClaimType = "sub",
        // Like API Gateway's JWT authorizer: ID tokens carry the app client id in "aud",
        // access tokens in "client_id".
        ValidateAudience = true,
        AudienceValidator = (audiences, token, _) =>
            audiences.Contains(auth.Audience, StringComparer.Ordinal)
            || (token is JsonWebToken jwtToken
                && jwtToken.TryGetPayloadValue<string>("client_id", out var clientId)
                && string.Equals(clientId, auth.Audience, StringComparison.Ordinal)),
    };
}
