using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.AspNetCoreServer.Hosting;
using Amazon.Lambda.Serialization.SystemTextJson;
using Amazon.XRay.Recorder.Core;
using Amazon.XRay.Recorder.Core.Strategies;
using AWS.Lambda.Powertools.Logging;
using AWS.Lambda.Powertools.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.ServiceDefaults.Logging;
using Samples.ServiceDefaults.Observability;

namespace Samples.ServiceDefaults;

/// <summary>Runs an app as a Lambda function behind API Gateway, and the facts about where it runs.</summary>
public static class LambdaHosting
{
    /// <summary>
    /// The <c>HttpContext.Items</c> key of API Gateway's request id, set for each request the Lambda
    /// hosting library marshals; absent on Kestrel.
    /// </summary>
    public const string GatewayRequestIdItem = "GatewayRequestId";

    /// <summary>Three segments, no signature anyone holds: the validator does all its work up to the signature and refuses it.</summary>
    public const string WarmupToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNuYXBzdGFydC13YXJtLXVwIn0.eyJzdWIiOiJ3YXJtLXVwIn0.c25hcHN0YXJ0";

    /// <summary>True inside the Lambda runtime (which always sets AWS_LAMBDA_FUNCTION_NAME).</summary>
    public static bool IsRunningInLambda { get; } =
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME"));

    /// <summary>
    /// How Lambda started this execution environment (AWS_LAMBDA_INITIALIZATION_TYPE): "on-demand",
    /// "provisioned-concurrency" or "snap-start"; null outside Lambda.
    /// </summary>
    public static string? InitializationType { get; } =
        IsRunningInLambda ? Environment.GetEnvironmentVariable("AWS_LAMBDA_INITIALIZATION_TYPE") : null;

    /// <summary>
    /// Runs the app as a Lambda function behind the given API Gateway flavour, with Powertools logging, metrics
    /// and X-Ray tracing. Outside Lambda (AWS_LAMBDA_FUNCTION_NAME unset) the hosting library does nothing, so the
    /// same app runs on Kestrel. Events are (de)serialized by source-generated code: no reflection, so the same
    /// call works in the managed runtime and in a Native AOT binary. With SnapStart, <paramref name="warmUp"/>'s events
    /// run through the function before the snapshot (<see cref="SnapStartWarmUp"/>).
    /// </summary>
    public static WebApplicationBuilder AddLambdaHosting(this WebApplicationBuilder builder, LambdaEventSource eventSource, SnapStartWarmUp? warmUp = null)
    {
        // The REST and WebSocket events are payload 1.0 (APIGatewayProxyRequest), the HTTP API's are 2.0: each has
        // its own serializer context, as their nested types share names (ProxyRequestContext...).
        if (eventSource == LambdaEventSource.HttpApi)
        {
            builder.Services.AddAWSLambdaHosting(eventSource, new SourceGeneratorLambdaJsonSerializer<HttpApiEventsJson>(), KeepGatewayRequestId);
        }
        else
        {
            builder.Services.AddAWSLambdaHosting(eventSource, new SourceGeneratorLambdaJsonSerializer<ProxyEventsJson>(), KeepGatewayRequestId);
        }

        StartupMarks.Mark("Lambda event source added");

        if (!IsRunningInLambda)
        {
            return builder;
        }

        // SnapStart (managed runtime only): the warm-up runs only when Lambda takes a snapshot, never on another init.
        if (InitializationType == "snap-start")
        {
            (warmUp ?? new SnapStartWarmUp()).RegisterBeforeSnapshot(builder.Services, eventSource);
        }

        // A restored snapshot is a new execution environment: its first request is the cold start, not the
        // warm-up's. Credentials are not captured (the SDK reads the container credentials endpoint Lambda sets
        // after restore), and pooled connections from before the snapshot that fail are retried by the SDK.
        // Named in full: RuntimeSupport's dependency SnapshotRestore.Registry has a namespace of the same name.
        Amazon.Lambda.Core.SnapshotRestore.RegisterAfterRestore(() =>
        {
            ColdStart.Rearm();
            StartupMarks.Rearm();
            return ValueTask.CompletedTask;
        });

        // Powertools replaces the local JSON console formatter: same snake_case keys, plus the Lambda keys
        // (cold_start, function_name, function_request_id, xray_trace_id) and correlation_id that
        // Logging/PowertoolsLogKeys.cs appends for each request, in Logging/PowertoolsLogFormat.cs's shape. Service and
        // level: POWERTOOLS_* variables.
        builder.Logging.ClearProviders();
        builder.Logging.AddPowertoolsLogger();
        Logger.UseFormatter(new PowertoolsLogFormat());
        builder.Services.AddSingleton<IStartupFilter>(new LogKeysFirst());
        StartupMarks.Mark("Powertools logging set up");

        // X-Ray subsegments for every DynamoDB call. Only inside Lambda: elsewhere there is no X-Ray daemon. One
        // client interface at a time, as Powertools documents for Native AOT (RegisterForAllServices is not
        // supported there); the X-Ray recorder's trimming needs are in services/Directory.Build.props.
        Tracing.Register<IAmazonDynamoDB>();

        // Native AOT keeps no method metadata for stack frames (StackFrame.GetMethod() is null there), and the X-Ray
        // recorder's JSON exporter dereferences it for every frame of an exception it records: any failed DynamoDB
        // call (a refused condition, a missing table) would become a NullReferenceException inside the SDK pipeline,
        // a 500 instead of the answer the app gives (aws/aws-xray-sdk-dotnet#310). Under Native AOT the subsegment
        // keeps the exception's type and message and counts its frames as truncated; the managed build keeps them.
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            AWSXRayRecorder.Instance.ExceptionSerializationStrategy = new DefaultExceptionSerializationStrategy(stackFrameSize: 0);
        }

        StartupMarks.Mark("X-Ray recorder set up");

        // Business metrics and the cold start as CloudWatch EMF (Observability/PowertoolsMetricsBridge.cs).
        PowertoolsMetricsBridge.AddPowertoolsMetrics(builder.Services, builder.Environment.ApplicationName);
        builder.Services.AddSingleton<IStartupFilter>(provider => provider.GetRequiredService<PowertoolsMetricsBridge>());
        StartupMarks.Mark("Powertools metrics added");
        return builder;
    }

    /// <summary>API Gateway's request id becomes the correlation id of requests that bring none (Http/CorrelationId.cs).</summary>
    private static void KeepGatewayRequestId(HostingOptions options) =>
        options.PostMarshallItemsFeature = (items, request, _) =>
        {
            StartupMarks.BeginInvocation();
            items.Items[GatewayRequestIdItem] = request switch
            {
                APIGatewayHttpApiV2ProxyRequest http => http.RequestContext?.RequestId,
                APIGatewayProxyRequest rest => rest.RequestContext?.RequestId, // REST and WebSocket events
                _ => null,
            };
        };

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

/// <summary>REST API and WebSocket API events (payload 1.0) and their answers, for the source-generated Lambda serializer.</summary>
[JsonSerializable(typeof(APIGatewayProxyRequest))]
[JsonSerializable(typeof(APIGatewayProxyResponse))]
public sealed partial class ProxyEventsJson : JsonSerializerContext;

/// <summary>HTTP API events (payload 2.0) and their answers, for the source-generated Lambda serializer.</summary>
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyRequest))]
[JsonSerializable(typeof(APIGatewayHttpApiV2ProxyResponse))]
public sealed partial class HttpApiEventsJson : JsonSerializerContext;
