using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;

namespace Samples.Users;

/// <summary>Profiles in DynamoDB, one item per Cognito identity; mapped by hand, written conditionally.</summary>
public sealed class UserRepository(IAmazonDynamoDB dynamoDb, IOptions<UsersOptions> options)
{
    /// <summary>The table's partition key (infra/template.yaml, UsersTable).</summary>
    public const string KeyAttribute = "userId";

    /// <summary>The GSI for exact e-mail look-ups, keyed by <see cref="EmailAttribute"/>.</summary>
    public const string EmailIndex = "byEmail";

    public const string EmailAttribute = "email";

    /// <summary>What a page token of the profile list holds: the table key.</summary>
    private static readonly PageKey ListPageKey = new([KeyAttribute]);

    private readonly VersionedTable table = new(dynamoDb, options.Value.TableName, KeyAttribute);

    public async Task<UserProfile?> GetAsync(string userId, CancellationToken cancellationToken) =>
        await table.GetAsync(userId, cancellationToken) is { } item ? FromItem(item) : null;

    /// <summary>One page of profiles; a <paramref name="nextToken"/> this list did not issue throws <see cref="InvalidPageTokenException"/>.</summary>
    public async Task<Page<UserProfile>> ListAsync(int limit, string? nextToken, CancellationToken cancellationToken)
    {
        var (items, next) = await table.ScanAsync(PageRequest.For(limit, nextToken, ListPageKey), cancellationToken);
        return new Page<UserProfile>([.. items.Select(FromItem)], next);
    }

    /// <summary>
    /// One page of the profiles with this e-mail, through the index. Its tokens also carry the index key,
    /// which must be this e-mail: a token of another e-mail's query throws <see cref="InvalidPageTokenException"/>.
    /// </summary>
    public async Task<Page<UserProfile>> FindByEmailAsync(string email, int limit, string? nextToken, CancellationToken cancellationToken)
    {
        var key = new PageKey([KeyAttribute, EmailAttribute], new Dictionary<string, string> { [EmailAttribute] = email });
        var (items, next) = await table.QueryIndexAsync(EmailIndex, EmailAttribute, email, PageRequest.For(limit, nextToken, key), cancellationToken);
        return new Page<UserProfile>([.. items.Select(FromItem)], next);
    }

    /// <returns>The profile as stored (an earlier attempt of the same request may have stored it); null when this user already had one.</returns>
    public async Task<UserProfile?> CreateAsync(UserProfile profile, WriteToken token, CancellationToken cancellationToken)
    {
        var fields = Fields(new ProfileDraft(profile.DisplayName, profile.Bio, profile.AvatarUrl), profile.Email, profile.UpdatedAt);
        fields[Attributes.CreatedAt] = Timestamp(profile.CreatedAt);
        return await table.CreateAsync(profile.UserId, fields, token, cancellationToken) is { } stored ? FromItem(stored) : null;
    }

    /// <summary>
    /// Replaces the user-owned fields if the stored version is <paramref name="expectedVersion"/>. The
    /// e-mail is refreshed only when the caller is the user (<paramref name="email"/> from their token).
    /// </summary>
    public async Task<WriteResult<UserProfile>> ReplaceAsync(
        string userId, ProfileDraft draft, string? email, long expectedVersion, DateTimeOffset now, WriteToken token, CancellationToken cancellationToken)
    {
        var fields = Fields(draft, email, now);
        if (email is null)
        {
            fields.Remove(EmailAttribute); // kept as stored, not removed
        }

        var result = await table.ReplaceAsync(userId, fields, expectedVersion, token, cancellationToken);
        return new(result.Outcome, result.Value is { } item ? FromItem(item) : null);
    }

    public Task<WriteOutcome> DeleteAsync(string userId, long? expectedVersion, WriteToken token, CancellationToken cancellationToken) =>
        table.DeleteAsync(userId, expectedVersion, token, cancellationToken);

    /// <summary>The attributes a write sets; null removes one (a replace that clears the bio).</summary>
    private static Dictionary<string, AttributeValue?> Fields(ProfileDraft draft, string? email, DateTimeOffset updatedAt) => new()
    {
        [Attributes.DisplayName] = new() { S = draft.DisplayName },
        [Attributes.Bio] = Optional(draft.Bio),
        [Attributes.AvatarUrl] = Optional(draft.AvatarUrl),
        [EmailAttribute] = Optional(email),
        [Attributes.UpdatedAt] = Timestamp(updatedAt),
    };

    private static UserProfile FromItem(Dictionary<string, AttributeValue> item) => new(
        UserId: item[KeyAttribute].S,
        Email: item.TryGetValue(EmailAttribute, out var email) ? email.S : null,
        DisplayName: item[Attributes.DisplayName].S,
        Bio: item.TryGetValue(Attributes.Bio, out var bio) ? bio.S : null,
        AvatarUrl: item.TryGetValue(Attributes.AvatarUrl, out var avatar) ? avatar.S : null,
        Version: long.Parse(item[VersionedTable.VersionAttribute].N, CultureInfo.InvariantCulture),
        CreatedAt: DateTimeOffset.Parse(item[Attributes.CreatedAt].S, CultureInfo.InvariantCulture),
        UpdatedAt: DateTimeOffset.Parse(item[Attributes.UpdatedAt].S, CultureInfo.InvariantCulture));

    private static AttributeValue? Optional(string? value) => string.IsNullOrEmpty(value) ? null : new() { S = value };

    private static AttributeValue Timestamp(DateTimeOffset time) => new() { S = time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) };

    /// <summary>The item's attribute names, each written once.</summary>
    private static class Attributes
    {
        public const string DisplayName = "displayName";
        public const string Bio = "bio";
        public const string AvatarUrl = "avatarUrl";
        public const string CreatedAt = "createdAt";
        public const string UpdatedAt = "updatedAt";
    }
}
