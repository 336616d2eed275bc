using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;

namespace Samples.BuildingBlocks.Idempotency;

/// <summary>The first response to a key, as it is returned to every retry of it.</summary>
public sealed record StoredResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>What a request's claim on its key found.</summary>
public abstract record KeyClaim
{
    /// <summary>The request runs, with the key's write token (the same for every retry of the key), and then records its response.</summary>
    public sealed record Held(string RecordKey, string ClaimId, WriteToken Token) : KeyClaim;

    /// <summary>The key has an answer: it is the response.</summary>
    public sealed record Answered(StoredResponse Response) : KeyClaim;

    /// <summary>The key was used for a different request (another body, another endpoint).</summary>
    public sealed record Mismatch : KeyClaim;

    /// <summary>Another request with this key is running.</summary>
    public sealed record InFlight(TimeSpan RetryAfter) : KeyClaim;
}

/// <summary>
/// Idempotency records in DynamoDB, one item per caller and key. A request claims its key with a conditional
/// write, runs, and stores its response on the record; retries get that response. Every write is conditional
/// on who holds the claim, so two requests never both run and a slow one never overwrites another's answer.
/// </summary>
public sealed class IdempotencyStore(IAmazonDynamoDB dynamoDb, IOptions<IdempotencyOptions> options, TimeProvider clock)
{
    public const string KeyAttribute = "key";
    public const string TimeToLiveAttribute = "expiresAt";

    private readonly IdempotencyOptions settings = options.Value;

    /// <summary>
    /// Claims <paramref name="recordKey"/> for a request whose body and endpoint hash to <paramref name="fingerprint"/>.
    /// A record past its lifetime (TTL deletes lazily) counts as absent.
    /// </summary>
    public async Task<KeyClaim> ClaimAsync(string recordKey, string fingerprint, CancellationToken cancellationToken)
    {
        var claimId = Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var token = WriteToken.New(now);
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = settings.TableName,
                Item = new()
                {
                    [KeyAttribute] = new() { S = recordKey },
                    [Attributes.Fingerprint] = new() { S = fingerprint },
                    [WriteToken.Attribute] = token.ToAttribute(),
                    [Attributes.ClaimId] = new() { S = claimId },
                    [Attributes.LockedUntil] = Milliseconds(now + settings.Lease),
                    [TimeToLiveAttribute] = Seconds(now + settings.Lifetime),
                },
                ConditionExpression = "attribute_not_exists(#key) OR #expiresAt < :now",
                ExpressionAttributeNames = new() { ["#key"] = KeyAttribute, ["#expiresAt"] = TimeToLiveAttribute },
                ExpressionAttributeValues = new() { [":now"] = Seconds(now) },
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return new KeyClaim.Held(recordKey, claimId, token);
        }
        catch (ConditionalCheckFailedException failed)
        {
            return await ClaimExistingAsync(recordKey, fingerprint, claimId, failed.Item, cancellationToken);
        }
    }

    /// <summary>Stores the response of the request holding the claim; the record keeps it for the key's lifetime.</summary>
    public async Task CompleteAsync(KeyClaim.Held claim, StoredResponse response, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = settings.TableName,
                Key = Key(claim.RecordKey),
                UpdateExpression = "SET #status = :status, #headers = :headers, #body = :body REMOVE #lockedUntil",
                ConditionExpression = "#claimId = :claimId",
                ExpressionAttributeNames = new()
                {
                    ["#status"] = Attributes.Status,
                    ["#headers"] = Attributes.Headers,
                    ["#body"] = Attributes.Body,
                    ["#lockedUntil"] = Attributes.LockedUntil,
                    ["#claimId"] = Attributes.ClaimId,
                },
                ExpressionAttributeValues = new()
                {
                    [":status"] = new() { N = response.Status.ToString(CultureInfo.InvariantCulture) },
                    [":headers"] = new() { M = response.Headers.ToDictionary(header => header.Key, header => new AttributeValue { S = header.Value }) },
                    [":body"] = new() { B = new MemoryStream(response.Body) },
                    [":claimId"] = new() { S = claim.ClaimId },
                },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Our lease ran out and a retry took the key over: it runs with the same write token, reaches the same
            // outcome, and records it.
        }
    }

    /// <summary>
    /// Frees the key at once after a failure (a 5xx, or an exception), keeping its write token: the retry runs again
    /// and, if the failed attempt had written after all, finds that write as its own. Best effort, within
    /// <see cref="ReleaseTimeout"/>: if it fails too, the lease runs out.
    /// </summary>
    public async Task ReleaseAsync(KeyClaim.Held claim)
    {
        using var timeout = new CancellationTokenSource(ReleaseTimeout);
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = settings.TableName,
                Key = Key(claim.RecordKey),
                UpdateExpression = "SET #lockedUntil = :free",
                ConditionExpression = "#claimId = :claimId AND attribute_not_exists(#status)",
                ExpressionAttributeNames = new() { ["#lockedUntil"] = Attributes.LockedUntil, ["#claimId"] = Attributes.ClaimId, ["#status"] = Attributes.Status },
                ExpressionAttributeValues = new() { [":free"] = new() { N = "0" }, [":claimId"] = new() { S = claim.ClaimId } },
            }, timeout.Token);
        }
        catch (Exception exception) when (exception is ConditionalCheckFailedException || DependencyFailure.IsDependencyFailure(exception, CancellationToken.None))
        {
            // Taken over meanwhile, or DynamoDB still away: the lease decides.
        }
    }

    /// <summary>How long freeing a key may add to a failed request's answer.</summary>
    public static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(1);

    private async Task<KeyClaim> ClaimExistingAsync(
        string recordKey, string fingerprint, string claimId, Dictionary<string, AttributeValue>? stored, CancellationToken cancellationToken)
    {
        // A few rounds at most: each one either decides, or lost a race to a request that has decided.
        for (var round = 0; round < 3 && stored is { Count: > 0 }; round++)
        {
            var now = clock.GetUtcNow();
            if (stored[Attributes.ClaimId].S == claimId)
            {
                // The SDK's retry of our own claim, whose first attempt landed.
                return new KeyClaim.Held(recordKey, claimId, new WriteToken(stored[WriteToken.Attribute].S));
            }

            if (stored[Attributes.Fingerprint].S != fingerprint)
            {
                return new KeyClaim.Mismatch();
            }

            if (stored.TryGetValue(Attributes.Status, out var status))
            {
                return new KeyClaim.Answered(new StoredResponse(
                    int.Parse(status.N, CultureInfo.InvariantCulture),
                    stored[Attributes.Headers].M.ToDictionary(header => header.Key, header => header.Value.S),
                    stored[Attributes.Body].B.ToArray()));
            }

            var lockedUntil = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(stored[Attributes.LockedUntil].N, CultureInfo.InvariantCulture));
            if (lockedUntil > now)
            {
                return new KeyClaim.InFlight(lockedUntil - now);
            }

            // Free (released after a failure, or its lease ran out): take it over, keeping its write token.
            try
            {
                await dynamoDb.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = settings.TableName,
                    Key = Key(recordKey),
                    UpdateExpression = "SET #claimId = :claimId, #lockedUntil = :lockedUntil",
                    ConditionExpression = "#claimId = :previous AND attribute_not_exists(#status)",
                    ExpressionAttributeNames = new() { ["#claimId"] = Attributes.ClaimId, ["#lockedUntil"] = Attributes.LockedUntil, ["#status"] = Attributes.Status },
                    ExpressionAttributeValues = new()
                    {
                        [":claimId"] = new() { S = claimId },
                        [":previous"] = stored[Attributes.ClaimId],
                        [":lockedUntil"] = Milliseconds(now + settings.Lease),
                    },
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                }, cancellationToken);
                return new KeyClaim.Held(recordKey, claimId, new WriteToken(stored[WriteToken.Attribute].S));
            }
            catch (ConditionalCheckFailedException failed)
            {
                stored = failed.Item; // someone else moved first (or our own attempt landed): look again
            }
        }

        // Gone in between (expired and deleted by TTL) or still contended: the client's retry decides.
        return new KeyClaim.InFlight(TimeSpan.FromSeconds(1));
    }

    private static AttributeValue Seconds(DateTimeOffset time) => new() { N = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue Milliseconds(DateTimeOffset time) => new() { N = time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };

    private static Dictionary<string, AttributeValue> Key(string recordKey) => new() { [KeyAttribute] = new() { S = recordKey } };

    /// <summary>The record's attribute names, each written once.</summary>
    private static class Attributes
    {
        public const string Fingerprint = "fingerprint";
        public const string ClaimId = "claimId";
        public const string LockedUntil = "lockedUntil";
        public const string Status = "status";
        public const string Headers = "headers";
        public const string Body = "body";
    }
}
