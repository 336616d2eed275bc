using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Http;
using Samples.ServiceDefaults.Json;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Turns client errors into 4xx problem details: the request-binding failures of minimal APIs (malformed
/// JSON, wrong types, unknown fields, missing or non-JSON bodies; thrown because the service defaults set
/// <c>RouteHandlerOptions.ThrowOnBadRequest</c>), refusals of the apps' own binders (<see cref="ProblemException"/>)
/// and forged page tokens. Each is classified by its type and structured data, never by message text.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            ProblemException refused when refused.Errors is { } errors => new HttpValidationProblemDetails(errors) { Status = refused.Status, Title = refused.Title, Detail = refused.Message },
            ProblemException refused => new ProblemDetails { Status = refused.Status, Title = refused.Title, Detail = refused.Message },
            InvalidPageTokenException => Validation("nextToken", "nextToken is not a token returned by this API.", "The page token is invalid"),
            BadHttpRequestException { InnerException: JsonException invalid } => JsonProblem(invalid, RequestBodyType(httpContext)),
            BadHttpRequestException badRequest => new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode switch
                {
                    StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                    StatusCodes.Status413PayloadTooLarge => "Request body too large",
                    _ => "Bad request",
                },
                Detail = badRequest.StatusCode switch
                {
                    StatusCodes.Status415UnsupportedMediaType => "Send the request body as application/json.",
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    _ => "The request is missing a required value, or one of its values has the wrong format.",
                },
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>
    /// The endpoint's JSON body type, from the metadata minimal APIs attach to body parameters. The exception
    /// handler middleware has cleared the request's endpoint by now; its feature keeps the original.
    /// </summary>
    private static Type? RequestBodyType(HttpContext context) =>
        context.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    /// <summary>
    /// A validation problem naming the offending field (JsonException.Path), without leaking .NET type names:
    /// a path the body type has no member for is an unknown field; otherwise the member's type says what to send.
    /// </summary>
    private HttpValidationProblemDetails JsonProblem(JsonException exception, Type? bodyType)
    {
        var field = exception.Path is null or "$" ? "$" : exception.Path.StartsWith("$.", StringComparison.Ordinal) ? exception.Path[2..] : exception.Path;
        var message = exception switch
        {
            // The reader failed: the body is not JSON at all.
            { InnerException: JsonException } => "The request body is not valid JSON.",
            InexactNumberException => $"'{field}' has more digits, or is larger or smaller, than can be stored exactly.",
            _ when field == "$" => "The request body must be one JSON object.",
            _ => TypeAt(bodyType, field) is { } expected
                ? $"'{field}' must be {Describe(expected)}, given once."
                : $"'{field}' is not a known field.",
        };

        return Validation(field, message, "The request body is invalid");
    }

    /// <summary>The .NET type the body type expects at a path such as <c>tags[0]</c>; null when it has no such member.</summary>
    private Type? TypeAt(Type? bodyType, string path)
    {
        var options = json.Value.SerializerOptions;
        var type = bodyType;
        foreach (var segment in path.Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            if (type is null || !options.TryGetTypeInfo(type, out var info)
                || info.Properties.FirstOrDefault(property => property.Name == name) is not { } property)
            {
                return null;
            }

            type = property.PropertyType;
            for (var index = bracket; index >= 0 && type is not null; index = segment.IndexOf('[', index + 1))
            {
                type = options.TryGetTypeInfo(type, out var collection) ? collection.ElementType : null;
            }
        }

        return type;
    }

    private static string Describe(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "a string",
        var t when t == typeof(bool) => "true or false",
        var t when t.IsPrimitive || t == typeof(decimal) => "a number",
        var t when t.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "an array",
        _ => "an object",
    };

    private static HttpValidationProblemDetails Validation(string field, string message, string title) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Status = StatusCodes.Status400BadRequest, Title = title };
}
