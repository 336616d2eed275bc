using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Samples.ServiceDefaults;

/// <summary>
/// Runs the same ASP.NET Core app as a Lambda function. The body of each partial method lives in
/// LambdaHosting.Lambda.cs, which needs Amazon.Lambda.* and Powertools; a RestrictedFeed build
/// leaves that file out and the compiler drops the calls, so the app is Kestrel-only there.
/// </summary>
public static partial class LambdaHosting
{
    /// <summary>True inside the Lambda runtime (which always sets AWS_LAMBDA_FUNCTION_NAME).</summary>
    public static bool IsRunningInLambda { get; } =
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME"));

    /// <summary>API Gateway's request id for this request, when it came through Lambda.</summary>
    public static string? GatewayRequestId(HttpContext context)
    {
        string? requestId = null;
        ReadGatewayRequestId(context, ref requestId);
        return requestId;
    }

    internal static void Configure(WebApplicationBuilder builder, ApiGatewayKind gateway) =>
        AddLambdaRuntime(builder, gateway);

    static partial void AddLambdaRuntime(WebApplicationBuilder builder, ApiGatewayKind gateway);

    static partial void ReadGatewayRequestId(HttpContext context, ref string? requestId);
}
