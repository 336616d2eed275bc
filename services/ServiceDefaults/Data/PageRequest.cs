using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Samples.ServiceDefaults.Data;

/// <summary>A validated <c>?limit=&amp;nextToken=</c> pair.</summary>
public sealed record PageRequest(int Limit, Dictionary<string, AttributeValue>? StartKey)
{
    public static bool TryParse(
        string? limit,
        string? nextToken,
        PageLimits limits,
        PageKey key,
        out PageRequest page,
        out Dictionary<string, string[]> errors)
    {
        errors = [];
        var size = limits.Default;
        if (limit is not null
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > limits.Max))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {limits.Max}."];
        }

        Dictionary<string, AttributeValue>? startKey = null;
        if (nextToken is not null)
        {
            if (PageToken.TryDecode(nextToken, key, out var decoded))
            {
                startKey = decoded;
            }
            else
            {
                errors["nextToken"] = ["nextToken is not a token returned by this API."];
            }
        }

        page = new PageRequest(size, startKey);
        return errors.Count == 0;
    }
}

/// <summary>
/// What a page token must hold to resume one query: exactly the key <see cref="Attributes"/> of its
/// LastEvaluatedKey, and the query's own value for each attribute in <see cref="Fixed"/> (an index query's
/// key: a token from another e-mail's query would make DynamoDB refuse the start key). Any other token was
/// not issued for this query.
/// </summary>
public sealed record PageKey(IReadOnlyCollection<string> Attributes, IReadOnlyDictionary<string, string>? Fixed = null);

/// <summary>Bounds of a page: what an absent <c>limit</c> means, and the largest allowed.</summary>
public sealed record PageLimits(int Default, int Max);

/// <summary>One page of a list; <c>nextToken</c> is absent on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextToken);
