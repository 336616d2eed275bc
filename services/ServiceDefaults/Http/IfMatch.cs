using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Optimistic concurrency over HTTP: a resource's numeric version is its strong ETag (<c>"3"</c>);
/// writes send it back in <c>If-Match</c>.
/// </summary>
public readonly record struct IfMatch(IfMatchState State, long Version)
{
    public static string ETagFor(long version) => $"\"{version}\"";

    public static IfMatch From(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return new(IfMatchState.Missing, 0);
        }

        // One strong entity tag made by this API. "*" or a list would let a client write without
        // having seen the current version, which is what the precondition exists to prevent.
        return EntityTagHeaderValue.TryParse(header.Trim(), out var tag)
            && !tag.IsWeak
            && tag.Tag.Length > 2 // "*" (any version) is refused
            && long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? new(IfMatchState.Version, version)
            : new(IfMatchState.Invalid, 0);
    }
}

public enum IfMatchState
{
    Missing,
    Invalid,
    Version,
}

/// <summary>The If-Match protocol of writes, and its problem responses, worded once for every service.</summary>
public static class PreconditionProblems
{
    /// <summary>Replaces need If-Match: 428 without it, 400 when malformed.</summary>
    public static bool TryGetRequired(HttpRequest request, out long version, [NotNullWhen(false)] out Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? problem)
    {
        var ifMatch = IfMatch.From(request);
        version = ifMatch.Version;
        problem = ifMatch.State switch
        {
            IfMatchState.Missing => Required(),
            IfMatchState.Invalid => Malformed(),
            _ => null,
        };
        return problem is null;
    }

    /// <summary>Deletes honour If-Match when sent: null means unconditional; 400 when malformed.</summary>
    public static bool TryGetOptional(HttpRequest request, out long? version, [NotNullWhen(false)] out Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? problem)
    {
        var ifMatch = IfMatch.From(request);
        version = ifMatch.State == IfMatchState.Version ? ifMatch.Version : null;
        problem = ifMatch.State == IfMatchState.Invalid ? Malformed() : null;
        return problem is null;
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Required() => TypedResults.Problem(
        statusCode: StatusCodes.Status428PreconditionRequired,
        title: "If-Match required",
        detail: "Send the ETag of the version you read in an If-Match header.");

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Malformed() => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid If-Match header",
        detail: "If-Match must hold one ETag exactly as this API returned it, such as \"3\".");

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Failed() => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed,
        title: "Version mismatch",
        detail: "The resource changed since you read it. Read it again, reapply your change and retry with the new ETag.");
}
