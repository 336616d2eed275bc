using System.Diagnostics.Metrics;
using Amazon.Lambda.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.BuildingBlocks.Observability;
using Samples.ServiceDefaults.Data;
using Samples.ServiceDefaults.Logging;
using Samples.ServiceDefaults.Observability;

namespace Samples.ServiceDefaults;

/// <summary>
/// What a function that is not a web app (a stream consumer such as Chat's fan-out) shares with the services: the
/// same configuration keys from the environment, Powertools JSON logs, the DynamoDB client, and business metrics
/// written as CloudWatch EMF once per invocation in Lambda. Its Main builds the services once per execution
/// environment and runs each invocation through <see cref="InvokeAsync{T}"/>.
/// </summary>
public static class WorkerFunction
{
    /// <summary>
    /// The services, configured from environment variables (Section__Key) as the template sets them; a local host
    /// running the function in its own process passes its configuration and logging instead.
    /// </summary>
    public static IServiceCollection AddWorkerDefaults(
        this IServiceCollection services, string service, IConfiguration? configuration = null, ILoggerFactory? loggerFactory = null)
    {
        services.AddSingleton(configuration ?? new ConfigurationBuilder().AddEnvironmentVariables().Build());
        services.AddSingleton(loggerFactory ?? PowertoolsLogKeys.CreateLoggerFactory());
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddMetrics();
        services.AddSingleton(provider => new BusinessMetrics(provider.GetRequiredService<IMeterFactory>(), service));
        services.AddDynamoDb();
        services.AddSingleton(TimeProvider.System);
        return PowertoolsMetricsBridge.AddPowertoolsMetrics(services, service);
    }

    /// <summary>
    /// Runs one invocation: its log keys (the request id is the correlation id), a deadline a little inside the
    /// function's own timeout, so the handler can still answer, and its metrics flushed at the end.
    /// </summary>
    public static async Task<T> InvokeAsync<T>(IServiceProvider services, ILambdaContext context, Func<CancellationToken, Task<T>> handler)
    {
        var metrics = services.GetRequiredService<PowertoolsMetricsBridge>();
        var coldStart = ColdStart.Take();
        using var keys = PowertoolsLogKeys.ForInvocation(context, context.AwsRequestId, coldStart);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(100, (context.RemainingTime - TimeSpan.FromSeconds(2)).TotalMilliseconds)));
        metrics.BeginInvocation(context, coldStart);
        try
        {
            return await handler(deadline.Token);
        }
        finally
        {
            metrics.EndInvocation();
        }
    }
}
