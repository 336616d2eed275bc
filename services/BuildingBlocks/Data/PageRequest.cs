using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Samples.BuildingBlocks.Data;

/// <summary>
/// A page to read: how many items, and the key to resume from. A repository makes it from the client's
/// <c>?limit=</c> (already checked by the endpoint) and <c>nextToken</c>, which must have been issued for the same
/// query; any other token throws <see cref="InvalidPageTokenException"/>, answered as a 400 problem.
/// </summary>
public sealed record PageRequest(int Limit, Dictionary<string, AttributeValue>? StartKey)
{
    public static PageRequest For(int limit, string? nextToken, PageKey key) => new(
        limit,
        nextToken is null ? null
            : PageToken.TryDecode(nextToken, key, out var startKey) ? startKey
            : throw new InvalidPageTokenException());
}

/// <summary>
/// What a page token must hold to resume one query: exactly the key <see cref="Attributes"/> of its
/// LastEvaluatedKey, and the query's own value for each attribute in <see cref="Fixed"/> (an index query's
/// key: a token from another e-mail's query would make DynamoDB refuse the start key). Any other token was
/// not issued for this query.
/// </summary>
public sealed record PageKey(IReadOnlyCollection<string> Attributes, IReadOnlyDictionary<string, string>? Fixed = null);

/// <summary>Bounds of a page: what an absent <c>limit</c> means, and the largest allowed.</summary>
public sealed record PageLimits(int Default, int Max)
{
    /// <summary>Reads <c>?limit=</c>: absent means <see cref="Default"/>, else a whole number from 1 to <see cref="Max"/>.</summary>
    public bool TryParse(string? limit, out int size, out Dictionary<string, string[]> errors)
    {
        errors = [];
        size = Default;
        if (limit is not null
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > Max))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {Max}."];
        }

        return errors.Count == 0;
    }
}

/// <summary>A <c>nextToken</c> that this API did not issue for the query it was sent with.</summary>
public sealed class InvalidPageTokenException() : Exception("The page token was not issued for this query.");

/// <summary>One page of a list; <c>nextToken</c> is absent on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextToken);
