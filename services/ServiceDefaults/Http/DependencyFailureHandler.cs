using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.BuildingBlocks.Data;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// A dependency that is down is the service's bad day, not the client's fault and not a bug: 503 with
/// Retry-After, as a problem, within a stated time. Two bounds make that time: the SDK's (an attempt times out
/// after DynamoDbOptions.AttemptTimeout, at most 1 + MaxRetries attempts) and the request's deadline
/// (<see cref="AddRequestDeadline"/>), which also caps the SDK's backoff between attempts (up to 1 s, then 2 s) and a
/// request that makes several calls. The next request tries again, so the service recovers on its own.
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
        return await WriteAsync(problemDetails, httpContext, exception);
    }

    /// <summary>
    /// The request deadline: past it, whatever the request still waits for is cancelled and it answers the same 503.
    /// API Gateway gives up at 29 s (REST) or 30 s (HTTP API) with a bare 5xx; this answers well before, with a problem.
    /// </summary>
    public static IServiceCollection AddRequestDeadline(IServiceCollection services, TimeSpan deadline) =>
        services.AddRequestTimeouts(options => options.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = deadline,
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            WriteTimeoutResponse = async context =>
            {
                var services = context.RequestServices;
                LogDeadlinePassed(services.GetRequiredService<ILogger<DependencyFailureHandler>>(), deadline.TotalSeconds);
                await WriteAsync(services.GetRequiredService<IProblemDetailsService>(), context, exception: null);
            },
        });

    private static async Task<bool> WriteAsync(IProblemDetailsService problemDetails, HttpContext httpContext, Exception? exception)
    {
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = $"A service this API depends on did not answer in time. Retry in {RetryAfterSeconds} seconds; with the same Idempotency-Key, a create is never made twice.",
            },
            Exception = exception,
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A dependency failed ({ExceptionType}); answered 503")]
    private static partial void LogDependencyFailure(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The request passed its {DeadlineSeconds} s deadline; answered 503")]
    private static partial void LogDeadlinePassed(ILogger logger, double deadlineSeconds);
}
