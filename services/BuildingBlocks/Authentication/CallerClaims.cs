using System.Security.Claims;

namespace Samples.BuildingBlocks.Authentication;

/// <summary>The Cognito claims the services use, under their raw names (no claim-type mapping).</summary>
public static class CallerClaims
{
    /// <summary>The caller's stable id: Cognito's <c>sub</c>. Endpoints that call this require a signed-in caller.</summary>
    public static string Subject(this ClaimsPrincipal caller) =>
        caller.FindFirstValue("sub") ?? throw new InvalidOperationException("An authenticated caller without a 'sub' claim reached an endpoint that needs one.");

    /// <summary>The caller's e-mail: present in ID tokens, absent from access tokens.</summary>
    public static string? Email(this ClaimsPrincipal caller) => caller.FindFirstValue("email");
}
