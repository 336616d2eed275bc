using Amazon.Lambda.Core;
using AWS.Lambda.Powertools.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Samples.ServiceDefaults.Http;

namespace Samples.ServiceDefaults.Logging;

/// <summary>
/// In Lambda only: puts the keys CloudWatch Logs Insights users query by on every Powertools log line of an
/// invocation: cold_start, function_name, function_request_id, xray_trace_id and correlation_id. No [Logging] handler
/// captures the Lambda context here (ASP.NET Core hosting has no handler method; the plain functions keep their
/// handlers free of aspects), and ILogger scopes reach one category only, so the keys are appended with
/// Logger.AppendKeys (every line carries them; a function serves one invocation at a time) and removed when it ends.
/// <see cref="PowertoolsLogFormat"/> writes them.
/// </summary>
public sealed class PowertoolsLogKeys(RequestDelegate next)
{
    public const string ColdStart = "cold_start";
    public const string FunctionName = "function_name";
    public const string FunctionRequestId = "function_request_id";
    public const string XrayTraceId = "xray_trace_id";

    /// <summary>The web apps: the keys of the request the hosting library marshalled.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        using (ForInvocation(context.Items["LambdaContext"] as ILambdaContext, CorrelationId.Of(context), Samples.ServiceDefaults.ColdStart.Of(context)))
        {
            await next(context);
        }
    }

    /// <summary>Appends one invocation's keys until the returned scope is disposed.</summary>
    public static IDisposable ForInvocation(ILambdaContext? lambda, string correlationId, bool coldStart)
    {
        var keys = new Dictionary<string, object>
        {
            [ColdStart] = coldStart,
            [CorrelationId.LogKey] = correlationId,
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
        return new AppendedKeys([.. keys.Keys]);
    }

    /// <summary>
    /// For the functions that are not web apps (the authorizer, the deployment hook): loggers that write Powertools'
    /// JSON lines in <see cref="PowertoolsLogFormat"/>'s shape. Service and level: POWERTOOLS_* variables.
    /// </summary>
    public static ILoggerFactory CreateLoggerFactory()
    {
        Logger.UseFormatter(new PowertoolsLogFormat());
        return LoggerFactory.Create(logging => logging.AddPowertoolsLogger());
    }

    private static string? TraceRoot(string? header) =>
        header?.Split(';').FirstOrDefault(part => part.StartsWith("Root=", StringComparison.Ordinal))?["Root=".Length..];

    private sealed class AppendedKeys(string[] keys) : IDisposable
    {
        public void Dispose() => Logger.RemoveKeys(keys);
    }
}
