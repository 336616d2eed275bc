using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Samples.ServiceDefaults.Authentication;

/// <summary>Where tokens come from. Bound from the "Auth" section (env: Auth__Authority, Auth__Audience).</summary>
public sealed class CognitoAuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// The token issuer: <c>https://cognito-idp.{region}.amazonaws.com/{userPoolId}</c> in AWS,
    /// <c>http://localhost:9229/{userPoolId}</c> against the local Cognito emulator.
    /// </summary>
    [Required, Url]
    public string Authority { get; set; } = "";

    /// <summary>The user pool app client id: ID tokens carry it as <c>aud</c>, access tokens as <c>client_id</c>.</summary>
    [Required]
    public string Audience { get; set; } = "";
}

/// <summary>Checks the attributes above at start-up; the code is generated at compile time (no reflection).</summary>
[OptionsValidator]
internal sealed partial class CognitoAuthOptionsValidator : IValidateOptions<CognitoAuthOptions>;
