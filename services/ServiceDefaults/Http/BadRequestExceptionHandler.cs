using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Samples.ServiceDefaults.Json;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Turns the request-binding failures of minimal APIs (malformed JSON, wrong types, unknown fields,
/// missing or non-JSON bodies) into 4xx problem details. Minimal APIs throw them because the service
/// defaults set <c>RouteHandlerOptions.ThrowOnBadRequest</c>; without it they answer an empty 400.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var status = badRequest.StatusCode;
        ProblemDetails problem = badRequest.InnerException is JsonException json
            ? JsonProblem(json)
            : new ProblemDetails
            {
                Status = status,
                Title = status switch
                {
                    StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                    StatusCodes.Status403Forbidden => "Forbidden",
                    _ => "Bad request",
                },
                Detail = status switch
                {
                    // Thrown by the apps' own binders (Chat's WebSocketEvent), with a message written for callers.
                    StatusCodes.Status403Forbidden => badRequest.Message,
                    StatusCodes.Status415UnsupportedMediaType => "Send the request body as application/json.",
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    _ => "The request is missing a required value, or one of its values has the wrong format.",
                },
            };

        httpContext.Response.StatusCode = problem.Status ?? status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>A validation problem naming the offending field, without leaking .NET type names.</summary>
    private static HttpValidationProblemDetails JsonProblem(JsonException exception)
    {
        var field = FieldName(exception.Path);
        var message = exception switch
        {
            // The reader failed: the body is not JSON at all.
            { InnerException: JsonException } => "The request body is not valid JSON.",
            InexactNumberException => $"'{field}' has more digits, or is larger or smaller, than can be stored exactly.",
            _ when exception.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal)
                => $"'{field}' is not a known field.",
            _ when exception.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                => $"'{field}' appears more than once.",
            _ => $"The value of '{field}' must be {ExpectedType(exception.Message)}.",
        };

        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is invalid",
        };
    }

    private static string FieldName(string? path) =>
        path is null or "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string ExpectedType(string message) => message switch
    {
        _ when message.Contains("System.String[]", StringComparison.Ordinal)
            || message.Contains("System.Collections", StringComparison.Ordinal) => "an array",
        _ when message.Contains("System.String", StringComparison.Ordinal) => "a string",
        _ when message.Contains("System.Decimal", StringComparison.Ordinal)
            || message.Contains("System.Int", StringComparison.Ordinal)
            || message.Contains("System.Double", StringComparison.Ordinal) => "a number",
        _ when message.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
        _ => "of the documented type",
    };
}
