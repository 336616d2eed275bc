using System.Text.Json.Serialization;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.Core;
using Amazon.Lambda.Serialization.SystemTextJson;
using AWS.Lambda.Powertools.Logging;
using AWS.Lambda.Powertools.Metrics;
using AWS.Lambda.Powertools.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.ServiceDefaults.Logging;
using Samples.ServiceDefaults.Observability;

namespace Samples.ServiceDefaults;

// Only in the full build (RestrictedFeed=false): it needs Amazon.Lambda.AspNetCoreServer.Hosting and
// AWS.Lambda.Powertools.*, which partial NuGet mirrors lack. Each Program.cs calls it only when LAMBDA_PACKAGES is defined.
public static partial class LambdaHosting
{
    /// <summary>
    /// Runs the app as a Lambda function behind the given API Gateway flavour, with Powertools logging and
    /// X-Ray tracing. Outside Lambda (AWS_LAMBDA_FUNCTION_NAME unset) it does nothing, so the same app runs on Kestrel.
    /// Events are (de)serialized by source-generated code (<see cref="GatewayEventsJson"/>): no reflection, so the
    /// same call works in the managed runtime and in a Native AOT binary. With SnapStart, the pipeline is warmed
    /// before the snapshot by <see cref="SnapshotWarmupRequests"/> on <paramref name="readRoute"/>.
    /// </summary>
    public static WebApplicationBuilder AddLambdaHosting(this WebApplicationBuilder builder, LambdaEventSource eventSource, string? readRoute = null)
    {
        builder.Services.AddAWSLambdaHosting(eventSource, new SourceGeneratorLambdaJsonSerializer<GatewayEventsJson>(), options =>
            // API Gateway's request id becomes the correlation id of requests that bring none (Http/CorrelationId.cs).
            options.PostMarshallItemsFeature = (items, request, _) => items.Items[GatewayRequestIdItem] = request switch
            {
                APIGatewayHttpApiV2ProxyRequest http => http.RequestContext?.RequestId,
                APIGatewayProxyRequest rest => rest.RequestContext?.RequestId, // REST and WebSocket events
                _ => null,
            });

        if (!IsRunningInLambda)
        {
            return builder;
        }

        // SnapStart (managed runtime only): these run only when a snapshot is taken, never on an on-demand init.
        foreach (var request in SnapshotWarmupRequests(readRoute))
        {
            builder.Services.AddAWSLambdaBeforeSnapshotRequest(request);
        }

        // A restored snapshot is a new execution environment: its first request is the cold start, not the
        // warm-up's. Credentials are not captured (the SDK reads the container credentials endpoint Lambda sets
        // after restore), and pooled connections from before the snapshot that fail are retried by the SDK.
        SnapshotRestore.RegisterAfterRestore(() =>
        {
            ColdStart.Rearm();
            return ValueTask.CompletedTask;
        });

        // Powertools replaces the local JSON console formatter: same snake_case keys, plus the Lambda keys
        // (cold_start, function_name, function_request_id, xray_trace_id) and correlation_id that
        // Logging/PowertoolsLogKeys.Lambda.cs appends for each request. Service and level: POWERTOOLS_* variables.
        builder.Logging.ClearProviders();
        builder.Logging.AddPowertoolsLogger();
        builder.Services.AddSingleton<IStartupFilter>(new LogKeysFirst());

        // X-Ray subsegments for every AWS SDK call. Only inside Lambda: elsewhere there is no X-Ray daemon.
        Tracing.RegisterForAllServices();

        // Business metrics and the cold start as CloudWatch EMF (Observability/PowertoolsMetricsBridge.Lambda.cs).
        builder.Services.AddSingleton<IMetrics>(_ => new MetricsBuilder()
            .WithNamespace(Environment.GetEnvironmentVariable("POWERTOOLS_METRICS_NAMESPACE") ?? "ServerlessSamples")
            .WithService(Environment.GetEnvironmentVariable("POWERTOOLS_SERVICE_NAME") ?? builder.Environment.ApplicationName)
            .WithCaptureColdStart(true)
            .Build());
        builder.Services.AddSingleton<PowertoolsMetricsBridge>();
        builder.Services.AddSingleton<IStartupFilter>(provider => provider.GetRequiredService<PowertoolsMetricsBridge>());
        return builder;
    }

    /// <summary>Runs <see cref="PowertoolsLogKeys"/> before the app's own middleware, so every line of a request has its keys.</summary>
    private sealed class LogKeysFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<PowertoolsLogKeys>();
            next(app);
        };
    }
}

/// <summary>The API Gateway events the functions receive and answer, for the source-generated Lambda serializer.</summary>
[JsonSerializable(typeof(APIGatewayProxyRequest))]
[JsonSerializable(typeof(APIGatewayProxyResponse))]
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyRequest))]
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyResponse))]
public sealed partial class GatewayEventsJson : JsonSerializerContext;
