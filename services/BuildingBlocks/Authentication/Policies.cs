namespace Samples.BuildingBlocks.Authentication;

/// <summary>Authorization policy names shared by every service.</summary>
public static class Policies
{
    /// <summary>A signed-in caller in the Cognito <c>admin</c> group.</summary>
    public const string Admin = "admin";
}
