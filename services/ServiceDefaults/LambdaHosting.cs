namespace Samples.ServiceDefaults;

/// <summary>
/// Facts about where the app runs. The Lambda wiring itself (<c>AddLambdaHosting</c>) is in
/// LambdaHosting.Lambda.cs, which needs Amazon.Lambda.* and Powertools and so is only in the full build.
/// </summary>
public static partial class LambdaHosting
{
    /// <summary>
    /// The <c>HttpContext.Items</c> key of API Gateway's request id, set for each request the Lambda
    /// hosting library marshals; absent on Kestrel.
    /// </summary>
    public const string GatewayRequestIdItem = "GatewayRequestId";

    /// <summary>True inside the Lambda runtime (which always sets AWS_LAMBDA_FUNCTION_NAME).</summary>
    public static bool IsRunningInLambda { get; } =
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME"));
}
