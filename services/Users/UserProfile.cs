using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Validation;

namespace Samples.Users;

/// <summary>
/// A user's profile. It belongs to a Cognito identity: <see cref="UserId"/> is the token's <c>sub</c>,
/// <see cref="Email"/> comes from the token (absent when an admin created the profile for someone else
/// and that user has not saved it since).
/// </summary>
public sealed record UserProfile(
    string UserId,
    string? Email,
    string DisplayName,
    string? Bio,
    string? AvatarUrl,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IVersioned
{
    /// <summary>A new profile, version 1.</summary>
    public static UserProfile Create(string userId, string? email, ProfileDraft draft, DateTimeOffset now) =>
        new(userId, email, draft.DisplayName, draft.Bio, draft.AvatarUrl, Version: 1, now, now);
}

/// <summary>The fields a user owns, validated and normalised: what a create stores and a replace writes.</summary>
public sealed record ProfileDraft(string DisplayName, string? Bio, string? AvatarUrl);

/// <summary>
/// The body of PUT /users/me and PUT /users/{userId}: the fields a user owns. The same rules are the
/// UserReplace JSON-schema model in infra/template.yaml; tests run one corpus through both.
/// </summary>
public record UserProfileInput(string? DisplayName, string? Bio, string? AvatarUrl) : IValidatableObject
{
    public const int MaxDisplayName = 100;
    public const int MaxBio = 500;
    public const int MaxAvatarUrl = 2048;

    /// <summary>The input as stored (empty optional fields are absent). Call it on validated input only.</summary>
    public ProfileDraft ToDraft() => new(DisplayName!, NullIfEmpty(Bio), NullIfEmpty(AvatarUrl));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Lengths count Unicode code points, as JSON Schema's maxLength does at the gateway.
        if (DisplayName is null || TextRules.CodePoints(DisplayName) is 0 or > MaxDisplayName || !TextRules.IsVisibleLine(DisplayName))
        {
            yield return new($"displayName is required: 1 to {MaxDisplayName} characters on one line, with at least one visible character.", [nameof(DisplayName)]);
        }

        if (Bio is not null && (TextRules.CodePoints(Bio) > MaxBio || !TextRules.IsMultilineText(Bio)))
        {
            yield return new($"bio can be at most {MaxBio} characters, without control characters other than line breaks and tabs.", [nameof(Bio)]);
        }

        if (AvatarUrl is not null && (AvatarUrl.Length > MaxAvatarUrl || !ProfileRules.HttpsUrl().IsMatch(AvatarUrl)))
        {
            yield return new($"avatarUrl must be an absolute https URL of at most {MaxAvatarUrl} characters.", [nameof(AvatarUrl)]);
        }
    }
}

/// <summary>The body of POST /users. Only an admin may name another user's <see cref="UserId"/>.</summary>
public sealed record NewUserProfileInput(string? UserId, string? DisplayName, string? Bio, string? AvatarUrl)
    : UserProfileInput(DisplayName, Bio, AvatarUrl), IValidatableObject
{
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        foreach (var error in Validate(validationContext))
        {
            yield return error;
        }

        if (UserId is not null && !ProfileRules.UserId().IsMatch(UserId))
        {
            yield return new("userId must be 1 to 128 letters, digits or '-', like a Cognito sub.", [nameof(UserId)]);
        }
    }
}

/// <summary>
/// The patterns the gateway's models also apply (infra/template.yaml; the parity tests run one corpus through
/// both). <c>\z</c>, not <c>$</c>: in .NET (and Java, and Python) <c>$</c> also matches before a final newline.
/// </summary>
public static partial class ProfileRules
{
    [GeneratedRegex(@"^[A-Za-z0-9-]{1,128}\z")]
    public static partial Regex UserId();

    /// <summary>Printable ASCII after the host: anything else in a URL must be percent-encoded.</summary>
    [GeneratedRegex(@"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?\z")]
    public static partial Regex HttpsUrl();
}

[JsonSerializable(typeof(UserProfile))]
[JsonSerializable(typeof(UserProfileInput))]
[JsonSerializable(typeof(NewUserProfileInput))]
[JsonSerializable(typeof(Page<UserProfile>))]
internal sealed partial class UsersJsonContext : JsonSerializerContext;
