using Amazon.Lambda.APIGatewayEvents;
using AWS.Lambda.Powertools.Logging;
using AWS.Lambda.Powertools.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Samples.ServiceDefaults;

// Compiled only in the full build (RestrictedFeed=false): it needs Amazon.Lambda.AspNetCoreServer.Hosting
// and AWS.Lambda.Powertools.*, which partial NuGet mirrors may lack.
public static partial class LambdaHosting
{
    static partial void AddLambdaRuntime(WebApplicationBuilder builder, ApiGatewayKind gateway)
    {
        // A no-op outside Lambda (AWS_LAMBDA_FUNCTION_NAME unset), so the same app also runs on Kestrel.
        builder.Services.AddAWSLambdaHosting(gateway switch
        {
            ApiGatewayKind.RestApi => LambdaEventSource.RestApi,
            ApiGatewayKind.HttpApi => LambdaEventSource.HttpApi,
            ApiGatewayKind.WebSocketApi => LambdaEventSource.WebsocketApi,
            _ => throw new ArgumentOutOfRangeException(nameof(gateway), gateway, "Unknown API Gateway kind."),
        });

        if (!IsRunningInLambda)
        {
            return;
        }

        // Powertools replaces the local JSON console formatter: same snake_case keys, plus Lambda context
        // (cold_start, function_request_id...). Service name and level come from POWERTOOLS_* variables.
        builder.Logging.ClearProviders();
        builder.Logging.AddPowertoolsLogger();

        // X-Ray subsegments for every AWS SDK call. Only inside Lambda: elsewhere there is no X-Ray daemon.
        Tracing.RegisterForAllServices();
    }

    static partial void ReadGatewayRequestId(HttpContext context, ref string? requestId)
    {
        requestId = context.Items["LambdaRequestObject"] switch
        {
            APIGatewayHttpApiV2ProxyRequest http => http.RequestContext?.RequestId,
            APIGatewayProxyRequest rest => rest.RequestContext?.RequestId,
            _ => requestId,
        };
    }
}
