namespace Samples.BuildingBlocks.Http;

/// <summary>
/// A refusal decided before a handler runs (by a parameter's binder, or deep in a call), answered as a
/// problem by the service defaults' BadRequestExceptionHandler (services/ServiceDefaults/Http). Its title and detail are written for the caller.
/// </summary>
public sealed class ProblemException(int status, string title, string detail, IDictionary<string, string[]>? errors = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    /// <summary>Per-field messages, for a validation problem.</summary>
    public IDictionary<string, string[]>? Errors { get; } = errors;
}
