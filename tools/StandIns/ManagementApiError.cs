using Microsoft.AspNetCore.Http;

namespace Samples.StandIns;

/// <summary>
/// An error as API Gateway's Management API answers it: the status, and the error type in x-amzn-ErrorType (none for
/// an answer that names none), which is what makes the AWS SDK raise GoneException rather than its base exception.
/// The local gateway answers with it; tests answer with it in place of the Management API.
/// </summary>
public sealed class ManagementApiError(int status, string? errorType) : IResult
{
    public static readonly ManagementApiError Gone = new(StatusCodes.Status410Gone, "GoneException");
    public static readonly ManagementApiError Forbidden = new(StatusCodes.Status403Forbidden, "ForbiddenException");
    public static readonly ManagementApiError PayloadTooLarge = new(StatusCodes.Status413PayloadTooLarge, "PayloadTooLargeException");

    public Task ExecuteAsync(HttpContext context)
    {
        context.Response.StatusCode = status;
        if (errorType is not null)
        {
            context.Response.Headers["x-amzn-ErrorType"] = errorType;
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync("{}", context.RequestAborted);
    }
}
