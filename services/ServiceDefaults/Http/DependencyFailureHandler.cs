using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Samples.ServiceDefaults.Data;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// A dependency that is down is the service's bad day, not the client's fault and not a bug: 503 with
/// Retry-After, as a problem, within seconds (the SDK's timeouts and retry budget bound the wait; see
/// DynamoDbOptions). The next request tries again, so the service recovers on its own.
/// </summary>
internal sealed partial class DependencyFailureHandler(IProblemDetailsService problemDetails, ILogger<DependencyFailureHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DependencyFailure.IsDependencyFailure(exception, httpContext.RequestAborted))
        {
            return false;
        }

        LogDependencyFailure(logger, exception.GetType().Name, exception);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = $"A service this API depends on did not answer. Nothing was changed; retry in {RetryAfterSeconds} seconds.",
            },
            Exception = exception,
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A dependency failed ({ExceptionType}); answered 503")]
    private static partial void LogDependencyFailure(ILogger logger, string exceptionType, Exception exception);
}
