using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Caching.Memory;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>
/// Remembers bearer tokens the app has validated, until they expire (and five minutes at most). A client
/// sends the same token on every call of a session; validating it again (parsing, RSA signature, claims)
/// costs a fraction of a millisecond of CPU each time on Kestrel and under `sam local`. Behind API Gateway
/// the authorizer has done it already and this cache is not used. Keyed by the token's SHA-256.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    /// <summary>Answers from the cache before JwtBearer validates, and fills it after.</summary>
    public JwtBearerEvents Events() => new()
    {
        OnMessageReceived = context =>
        {
            if (BearerToken(context.Request.Headers.Authorization.ToString()) is { } token
                && cache.TryGetValue(Key(token), out ClaimsPrincipal? principal) && principal is not null)
            {
                context.Principal = principal;
                context.Success();
            }

            return Task.CompletedTask;
        },
        OnTokenValidated = context =>
        {
            if (BearerToken(context.Request.Headers.Authorization.ToString()) is { } token && context.Principal is { } principal)
            {
                var expires = new DateTimeOffset(context.SecurityToken.ValidTo, TimeSpan.Zero);
                var latest = clock.GetUtcNow() + MaxAge;
                cache.Set(Key(token), principal, new MemoryCacheEntryOptions { AbsoluteExpiration = expires < latest ? expires : latest, Size = 1 });
            }

            return Task.CompletedTask;
        },
    };

    private static string? BearerToken(string header) =>
        header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;

    private static string Key(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public void Dispose() => cache.Dispose();
}
