using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>
/// Turns a caller's Cognito groups into role claims once per request, whichever way they reached the app, so
/// that authorization is <c>RequireRole</c> / <c>IsInRole</c> everywhere.
/// </summary>
public sealed class CognitoGroups : IClaimsTransformation
{
    public const string ClaimType = "cognito:groups";

    /// <summary>The Cognito group, and so the role, of administrators.</summary>
    public const string Admin = "admin";

    private const string RolesIdentityType = "CognitoGroups";
    private static readonly char[] Separators = [',', ' '];

    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        // Authentication may run more than once per request; add the roles once.
        if (!principal.Identities.Any(identity => identity.AuthenticationType == RolesIdentityType))
        {
            principal.AddIdentity(new ClaimsIdentity(Of(principal).Select(group => new Claim(ClaimTypes.Role, group)), RolesIdentityType));
        }

        return Task.FromResult(principal);
    }

    /// <summary>
    /// The three shapes of <c>cognito:groups</c>: one claim per group (a JWT array validated by the app),
    /// one comma-separated claim (REST API authorizer context) and one <c>"[a b]"</c> claim (HTTP API
    /// JWT authorizer context).
    /// </summary>
    public static IReadOnlySet<string> Of(ClaimsPrincipal user)
    {
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in user.FindAll(ClaimType))
        {
            var value = claim.Value.Trim();
            if (value.StartsWith('[') && value.EndsWith(']'))
            {
                value = value[1..^1];
            }

            foreach (var group in value.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                groups.Add(group);
            }
        }

        return groups;
    }
}
