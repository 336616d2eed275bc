using Amazon.DynamoDBv2.Model;

namespace Samples.BuildingBlocks.Data;

/// <summary>A stored resource with a version number, which is its ETag.</summary>
public interface IVersioned
{
    long Version { get; }
}

/// <summary>How a conditional write ended.</summary>
public enum WriteOutcome
{
    Done,
    NotFound,
    VersionMismatch,
}

/// <summary>The outcome of a conditional write and, when it was done, the item it left.</summary>
public readonly record struct WriteResult<T>(WriteOutcome Outcome, T? Value)
{
    public static WriteResult<T> Done(T? value) => new(WriteOutcome.Done, value);

    /// <param name="stored">The item as the refused write found it (ALL_OLD), or null when there was none.</param>
    public static WriteResult<T> Refused(Dictionary<string, AttributeValue>? stored) => new(RefusedOutcome.Of(stored), default);
}

internal static class RefusedOutcome
{
    /// <summary>
    /// A refused write asked for the item as it stood (ReturnValuesOnConditionCheckFailure = ALL_OLD):
    /// no item means it does not exist; an item means its version differed. One round trip, no extra read.
    /// </summary>
    public static WriteOutcome Of(Dictionary<string, AttributeValue>? stored) =>
        stored is { Count: > 0 } ? WriteOutcome.VersionMismatch : WriteOutcome.NotFound;
}
