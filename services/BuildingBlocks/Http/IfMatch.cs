using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Observability;

namespace Samples.BuildingBlocks.Http;

/// <summary>
/// Optimistic concurrency over HTTP: a resource's numeric version is its strong ETag (<c>"3"</c>); writes
/// send it back in <c>If-Match</c>. Handlers take the header as a parameter, <see cref="RequiredIfMatch"/>
/// or <see cref="OptionalIfMatch"/>, whose binding answers the protocol's problems.
/// </summary>
public static class IfMatch
{
    public static string ETagFor(long version) => $"\"{version}\"";

    /// <summary>Sets the resource's ETag on the response and returns the resource.</summary>
    public static T WithETag<T>(this HttpResponse response, T resource)
        where T : IVersioned
    {
        response.Headers.ETag = ETagFor(resource.Version);
        return resource;
    }

    /// <summary>The version in the header; null when absent. A malformed header is a 400 problem.</summary>
    internal static long? Parse(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        // One strong entity tag made by this API. "*" or a list would let a client write without
        // having seen the current version, which is what the precondition exists to prevent.
        return EntityTagHeaderValue.TryParse(header.Trim(), out var tag)
            && !tag.IsWeak
            && tag.Tag.Length > 2 // "*" (any version) is refused
            && long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new ProblemException(StatusCodes.Status400BadRequest, "Invalid If-Match header",
                "If-Match must hold one ETag exactly as this API returned it, such as \"3\".");
    }

    /// <summary>
    /// The answer to a conditional replace: 200 with the new ETag (counted as <paramref name="doneMetric"/>),
    /// else the resource's 404 or a 412 (counted as <see cref="BusinessMetrics.VersionConflicts"/>).
    /// </summary>
    public static Results<Ok<T>, ValidationProblem, ProblemHttpResult> Replaced<T>(
        WriteResult<T> result, HttpResponse response, Func<ProblemHttpResult> notFound, string doneMetric)
        where T : IVersioned => Counted(result.Outcome, response, doneMetric) switch
        {
            WriteOutcome.NotFound => notFound(),
            WriteOutcome.VersionMismatch => VersionMismatch(),
            _ => TypedResults.Ok(response.WithETag(result.Value!)),
        };

    /// <summary>The answer to a conditional delete: 204 (counted), else the resource's 404 or a 412 (counted).</summary>
    public static Results<NoContent, ValidationProblem, ProblemHttpResult> Deleted(
        WriteOutcome outcome, HttpResponse response, Func<ProblemHttpResult> notFound, string doneMetric) => Counted(outcome, response, doneMetric) switch
        {
            WriteOutcome.NotFound => notFound(),
            WriteOutcome.VersionMismatch => VersionMismatch(),
            _ => TypedResults.NoContent(),
        };

    private static WriteOutcome Counted(WriteOutcome outcome, HttpResponse response, string doneMetric)
    {
        var metrics = response.HttpContext.RequestServices.GetRequiredService<BusinessMetrics>();
        switch (outcome)
        {
            case WriteOutcome.Done: metrics.Count(doneMetric); break;
            case WriteOutcome.VersionMismatch: metrics.Count(BusinessMetrics.VersionConflicts); break;
        }

        return outcome;
    }

    private static ProblemHttpResult VersionMismatch() => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed,
        title: "Version mismatch",
        detail: "The resource changed since you read it. Read it again, reapply your change and retry with the new ETag.");
}

/// <summary>A replace's If-Match: without it 428, malformed 400 (as problems, before the handler runs).</summary>
public sealed record RequiredIfMatch(long Version)
{
    public static ValueTask<RequiredIfMatch> BindAsync(HttpContext context) => ValueTask.FromResult(new RequiredIfMatch(
        IfMatch.Parse(context.Request) ?? throw new ProblemException(StatusCodes.Status428PreconditionRequired, "If-Match required",
            "Send the ETag of the version you read in an If-Match header.")));
}

/// <summary>A delete's If-Match: honoured when sent (null: unconditional); malformed 400.</summary>
public sealed record OptionalIfMatch(long? Version)
{
    public static ValueTask<OptionalIfMatch> BindAsync(HttpContext context) => ValueTask.FromResult(new OptionalIfMatch(IfMatch.Parse(context.Request)));
}
