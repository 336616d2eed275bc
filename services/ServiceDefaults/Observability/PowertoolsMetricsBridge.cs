using System.Diagnostics.Metrics;
using Amazon.Lambda.Core;
using AWS.Lambda.Powertools.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Samples.BuildingBlocks.Observability;

namespace Samples.ServiceDefaults.Observability;

/// <summary>
/// In Lambda only: the <see cref="BusinessMetrics"/> counters become Powertools metrics, written as
/// CloudWatch EMF when each request ends, plus Powertools' ColdStart metric on the first request. Namespace and
/// service come from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME (the template sets both).
/// The cold start is captured here rather than by Metrics.AspNetCore's UseMetrics: its tracker (as read in the
/// library's source) resets after every request, which would count every request as a cold start.
/// </summary>
internal sealed class PowertoolsMetricsBridge : IStartupFilter, IDisposable
{
    private readonly IMetrics metrics;
    private readonly MeterListener listener = new();
    private bool pending;

    /// <summary>
    /// Powertools Metrics (namespace and service from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME, else
    /// <paramref name="service"/>) and the bridge that feeds it, for web apps and worker functions alike.
    /// </summary>
    public static IServiceCollection AddPowertoolsMetrics(IServiceCollection services, string service)
    {
        services.AddSingleton<IMetrics>(_ => new MetricsBuilder()
            .WithNamespace(Environment.GetEnvironmentVariable("POWERTOOLS_METRICS_NAMESPACE") ?? "ServerlessSamples")
            .WithService(Environment.GetEnvironmentVariable("POWERTOOLS_SERVICE_NAME") ?? service)
            .WithCaptureColdStart(true)
            .Build());
        return services.AddSingleton<PowertoolsMetricsBridge>();
    }

    public PowertoolsMetricsBridge(IMetrics metrics)
    {
        this.metrics = metrics;
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == BusinessMetrics.MeterName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            metrics.AddMetric(instrument.Name, value, MetricUnit.Count);
            pending = true;
        });
        listener.Start();
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            BeginInvocation(context.Items["LambdaContext"] as ILambdaContext, ColdStart.Of(context));
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                EndInvocation();
            }
        });
        next(app);
    };

    /// <summary>Counts the cold start on the invocation that is one (web apps: per request; workers: WorkerFunction).</summary>
    public void BeginInvocation(ILambdaContext? context, bool coldStart)
    {
        if (coldStart)
        {
            metrics.CaptureColdStartMetric(context);
        }
    }

    /// <summary>One EMF document per invocation, only when something was counted (an empty flush only warns).</summary>
    public void EndInvocation()
    {
        if (pending)
        {
            pending = false;
            metrics.Flush();
        }
    }

    public void Dispose() => listener.Dispose();
}
