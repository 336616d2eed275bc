using Amazon.DynamoDBv2.Model;

namespace Samples.ServiceDefaults.Data;

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

    public static WriteResult<T> Refused(ConditionalCheckFailedException failure) => new(RefusedOutcome.Of(failure), default);
}

internal static class RefusedOutcome
{
    /// <summary>
    /// A refused write asked for the item as it stood (ReturnValuesOnConditionCheckFailure = ALL_OLD):
    /// no item means it does not exist; an item means its version differed. One round trip, no extra read.
    /// </summary>
    public static WriteOutcome Of(ConditionalCheckFailedException failure) =>
        failure.Item is { Count: > 0 } ? WriteOutcome.VersionMismatch : WriteOutcome.NotFound;
}
