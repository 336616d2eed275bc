using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Samples.Testing;

/// <summary>
/// A stand-in Cognito user pool for tests: mints real RS256 JWTs and serves its OpenID configuration and
/// JWKS through an HttpMessageHandler, so the app's real JwtBearer pipeline validates them.
/// </summary>
public sealed class TestIssuer : HttpMessageHandler
{
    public const string Authority = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool";
    public const string ClientId = "test-app-client";

    private static readonly RsaSecurityKey SigningKey = NewKey("test-key");

    /// <summary>A key the pool never published: tokens signed with it must be refused.</summary>
    private static readonly RsaSecurityKey ForeignKey = NewKey("test-key");

    public static string Token(
        string sub,
        IEnumerable<string>? groups = null,
        string tokenUse = "id",
        string issuer = Authority,
        string audience = ClientId,
        DateTime? expires = null,
        bool foreignKey = false,
        string? email = null,
        IReadOnlyDictionary<string, object>? profile = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = sub,
            ["token_use"] = tokenUse,
            ["email"] = email ?? $"{sub}@example.com",
        };
        if (groups is not null)
        {
            claims["cognito:groups"] = groups.ToArray();
        }

        // Profile claims as an ID token carries them (name, preferred_username, cognito:username...).
        foreach (var (claim, value) in profile ?? new Dictionary<string, object>())
        {
            claims[claim] = value;
        }

        // Access tokens name the app client in client_id and carry no aud, as Cognito's do.
        if (tokenUse == "access")
        {
            claims["client_id"] = audience;
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(30);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = tokenUse == "id" ? audience : null,
            Claims = claims,
            IssuedAt = expiry.AddHours(-1),
            NotBefore = expiry.AddHours(-1),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(foreignKey ? ForeignKey : SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with admin claims: the classic forgery.</summary>
    public static string UnsignedToken(string sub)
    {
        static string Part(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Part(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Part(new JsonObject
        {
            ["sub"] = sub,
            ["iss"] = Authority,
            ["aud"] = ClientId,
            ["token_use"] = "id",
            ["cognito:groups"] = new JsonArray("admin"),
            ["iat"] = now,
            ["exp"] = now + 1800,
        }) + ".";
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = Document(Authority, request.RequestUri!.AbsoluteUri);

        return Task.FromResult(body is null
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") });
    }

    /// <summary>The pool's OpenID configuration or JWKS for <paramref name="url"/> under <paramref name="authority"/>, else null.</summary>
    public static JsonObject? Document(string authority, string url) =>
        url == authority + "/.well-known/openid-configuration" ? new JsonObject
        {
            ["issuer"] = authority,
            ["jwks_uri"] = authority + "/.well-known/jwks.json",
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        }
        : url == authority + "/.well-known/jwks.json" ? new JsonObject { ["keys"] = new JsonArray(Jwk(SigningKey)) }
        : null;

    private static JsonObject Jwk(RsaSecurityKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["kid"] = key.KeyId,
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        };
    }

    private static RsaSecurityKey NewKey(string keyId) => new(RSA.Create(2048)) { KeyId = keyId };
}

/// <summary>The claims API Gateway's authorizer hands the app, as Amazon.Lambda.AspNetCoreServer builds them.</summary>
public static class GatewayIdentity
{
    public const string TestHeader = "X-Test-Gateway-Identity";

    public static ClaimsPrincipal Principal(string sub, string groupsClaim) => new(new ClaimsIdentity(
        [new Claim("sub", sub), new Claim("cognito:groups", groupsClaim), new Claim("email", $"{sub}@example.com")],
        authenticationType: "AuthorizerIdentity"));
}
