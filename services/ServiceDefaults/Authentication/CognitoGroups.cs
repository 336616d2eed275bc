using System.Security.Claims;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>Reads a caller's Cognito groups, whichever way they reached the app.</summary>
public static class CognitoGroups
{
    public const string ClaimType = "cognito:groups";
    public const string Admin = "admin";

    private static readonly char[] Separators = [',', ' '];

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

    public static bool IsInGroup(this ClaimsPrincipal user, string group) => Of(user).Contains(group);
}
