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

    /// <summary>
    /// What SnapStart runs through the whole pipeline before the snapshot is taken (full build:
    /// AddAWSLambdaBeforeSnapshotRequest), so the snapshot holds warm code rather than a cold pipeline:
    /// /health (routing, problem details and a DescribeTable of the service's table: the DynamoDB client, its
    /// credentials, signer and endpoint rules) and the service's own read route with a bearer token that cannot be
    /// valid (JwtBearer fetches the pool's metadata and signing keys, then refuses it: a 401). Each warm-up runs
    /// more than once, so none may write. Nothing in the answers is kept.
    /// </summary>
    public static IEnumerable<HttpRequestMessage> SnapshotWarmupRequests(string? readRoute = null)
    {
        if (readRoute is not null && (!readRoute.StartsWith('/') || readRoute.StartsWith("//", StringComparison.Ordinal)))
        {
            throw new ArgumentException("A warm-up route is a path of this app, such as /products?limit=1.", nameof(readRoute));
        }

        yield return new HttpRequestMessage(HttpMethod.Get, "/health");
        if (readRoute is null)
        {
            yield break; // a service with no token-checked read route (Chat: its events need a connection)
        }

        var read = new HttpRequestMessage(HttpMethod.Get, readRoute);
        read.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", WarmupToken);
        yield return read;
    }

    /// <summary>Three segments, no signature anyone holds: the validator does all its work up to the signature and refuses it.</summary>
    public const string WarmupToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6InNuYXBzdGFydC13YXJtLXVwIn0.eyJzdWIiOiJ3YXJtLXVwIn0.c25hcHN0YXJ0";
}
