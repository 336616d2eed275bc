using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

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
    public static readonly PageKey ListPageKey = new([KeyAttribute]);

    /// <summary>A page of an e-mail query resumes from the table key and the index key, which must be this e-mail.</summary>
    public static PageKey EmailPageKey(string email) =>
        new([KeyAttribute, EmailAttribute], new Dictionary<string, string> { [EmailAttribute] = email });

    private readonly VersionedTable table = new(dynamoDb, options.Value.TableName, KeyAttribute);

    public async Task<UserProfile?> GetAsync(string userId, CancellationToken cancellationToken) =>
        await table.GetAsync(userId, cancellationToken) is { } item ? FromItem(item) : null;

    public async Task<Page<UserProfile>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var (items, nextToken) = await table.ScanAsync(page, cancellationToken);
        return new Page<UserProfile>([.. items.Select(FromItem)], nextToken);
    }

    public async Task<Page<UserProfile>> FindByEmailAsync(string email, PageRequest page, CancellationToken cancellationToken)
    {
        var (items, nextToken) = await table.QueryIndexAsync(EmailIndex, EmailAttribute, email, page, cancellationToken);
        return new Page<UserProfile>([.. items.Select(FromItem)], nextToken);
    }

    /// <returns>False when this user already has a profile.</returns>
    public Task<bool> CreateAsync(UserProfile profile, CancellationToken cancellationToken) =>
        table.CreateAsync(ToItem(profile), cancellationToken);

    /// <summary>
    /// Replaces the user-owned fields if the stored version is <paramref name="expectedVersion"/>. The
    /// e-mail is refreshed only when the caller is the user (<paramref name="email"/> from their token).
    /// </summary>
    public async Task<WriteResult<UserProfile>> ReplaceAsync(
        string userId, UserProfileInput input, string? email, long expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, AttributeValue?>
        {
            ["displayName"] = new() { S = input.DisplayName },
            ["bio"] = Optional(input.Bio),
            ["avatarUrl"] = Optional(input.AvatarUrl),
            ["updatedAt"] = new() { S = Timestamp(now) },
        };
        if (email is not null)
        {
            fields[EmailAttribute] = new() { S = email };
        }

        var result = await table.ReplaceAsync(userId, fields, expectedVersion, cancellationToken);
        return new(result.Outcome, result.Value is { } item ? FromItem(item) : null);
    }

    public Task<WriteOutcome> DeleteAsync(string userId, long? expectedVersion, CancellationToken cancellationToken) =>
        table.DeleteAsync(userId, expectedVersion, cancellationToken);

    private static Dictionary<string, AttributeValue> ToItem(UserProfile profile)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [KeyAttribute] = new() { S = profile.UserId },
            ["displayName"] = new() { S = profile.DisplayName },
            [VersionedTable.VersionAttribute] = VersionedTable.Number(profile.Version),
            ["createdAt"] = new() { S = Timestamp(profile.CreatedAt) },
            ["updatedAt"] = new() { S = Timestamp(profile.UpdatedAt) },
        };
        // Absent rather than empty: DynamoDB refuses empty strings in index keys, and the e-mail GSI stays sparse.
        foreach (var (name, value) in new[] { (EmailAttribute, profile.Email), ("bio", profile.Bio), ("avatarUrl", profile.AvatarUrl) })
        {
            if (Optional(value) is { } attribute)
            {
                item[name] = attribute;
            }
        }

        return item;
    }

    private static UserProfile FromItem(Dictionary<string, AttributeValue> item) => new(
        UserId: item[KeyAttribute].S,
        Email: item.TryGetValue(EmailAttribute, out var email) ? email.S : null,
        DisplayName: item["displayName"].S,
        Bio: item.TryGetValue("bio", out var bio) ? bio.S : null,
        AvatarUrl: item.TryGetValue("avatarUrl", out var avatar) ? avatar.S : null,
        Version: long.Parse(item[VersionedTable.VersionAttribute].N, CultureInfo.InvariantCulture),
        CreatedAt: DateTimeOffset.Parse(item["createdAt"].S, CultureInfo.InvariantCulture),
        UpdatedAt: DateTimeOffset.Parse(item["updatedAt"].S, CultureInfo.InvariantCulture));

    private static AttributeValue? Optional(string? value) => string.IsNullOrEmpty(value) ? null : new() { S = value };

    private static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
