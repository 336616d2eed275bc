using Amazon.Lambda.Core;
using AWS.Lambda.Powertools.Logging;
using Microsoft.AspNetCore.Http;
using Samples.ServiceDefaults.Http;

namespace Samples.ServiceDefaults.Logging;

/// <summary>
/// In Lambda only: puts the keys CloudWatch Logs Insights users query by on every Powertools log line of a request.
/// With ASP.NET Core hosting there is no [Logging] handler to capture the Lambda context, and ILogger scopes reach one
/// category only, so the request's keys are appended with Logger.AppendKeys (every line carries them; a function
/// serves one request at a time) and removed when it ends. <see cref="PowertoolsLogFormat"/> writes them.
/// </summary>
public sealed class PowertoolsLogKeys(RequestDelegate next)
{
    public const string ColdStart = "cold_start";
    public const string FunctionName = "function_name";
    public const string FunctionRequestId = "function_request_id";
    public const string XrayTraceId = "xray_trace_id";

    public async Task InvokeAsync(HttpContext context)
    {
        var lambda = context.Items["LambdaContext"] as ILambdaContext;
        var keys = new Dictionary<string, object>
        {
            [ColdStart] = Samples.ServiceDefaults.ColdStart.Of(context),
            [CorrelationId.LogKey] = CorrelationId.Of(context),
        };
        if (lambda is not null)
        {
            keys[FunctionName] = lambda.FunctionName;
            keys[FunctionRequestId] = lambda.AwsRequestId;
        }

        // The runtime sets _X_AMZN_TRACE_ID for each invocation: "Root=1-...;Parent=...;Sampled=1".
        if (TraceRoot(Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID")) is { } traceId)
        {
            keys[XrayTraceId] = traceId;
        }

        Logger.AppendKeys(keys);
        try
        {
            await next(context);
        }
        finally
        {
            Logger.RemoveKeys([.. keys.Keys]);
        }
    }

    private static string? TraceRoot(string? header) =>
        header?.Split(';').FirstOrDefault(part => part.StartsWith("Root=", StringComparison.Ordinal))?["Root=".Length..];
}
