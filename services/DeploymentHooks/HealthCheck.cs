using System.Text.Json;
using System.Text.Json.Nodes;

namespace Samples.DeploymentHooks;

/// <summary>What a function is fronted by, and so which event proves a new version of it starts and answers.</summary>
public enum HealthTarget
{
    /// <summary>HTTP API (payload 2.0): GET /health.</summary>
    HttpApi,

    /// <summary>REST API (payload 1.0): GET /health.</summary>
    RestApi,

    /// <summary>
    /// WebSocket events: an event on the route key "health", which the hosting library turns into POST /health, the
    /// app's health check (no WebSocket route has that key, so API Gateway itself never sends it).
    /// </summary>
    WebSocketApi,

    /// <summary>A REQUEST authorizer: a handshake without a token, which a healthy authorizer denies.</summary>
    RequestAuthorizer,

    /// <summary>
    /// A DynamoDB stream's consumer (Chat's fan-out): a batch of no records, which a version that starts, with valid
    /// configuration, answers with no batch item failures.
    /// </summary>
    StreamConsumer,
}

/// <summary>
/// The health request a PreTraffic hook sends to a new function version, and the verdict on its answer. A
/// version is healthy when the invocation succeeded and its health check answered 200 (an authorizer: with a
/// policy). A refusal proves nothing, so it never counts. The request carries no credentials and touches no data: it
/// proves start-up, the pipeline and the DynamoDB check behind /health (DescribeTable of the function's table).
/// </summary>
public static class HealthCheck
{
    public static string Event(HealthTarget target, string correlationId)
    {
        var headers = new JsonObject { ["x-correlation-id"] = correlationId, ["user-agent"] = "PreTrafficHook" };
        JsonObject request = target switch
        {
            HealthTarget.HttpApi => new()
            {
                ["version"] = "2.0",
                ["routeKey"] = "GET /health",
                ["rawPath"] = "/health",
                ["rawQueryString"] = "",
                ["headers"] = headers,
                ["requestContext"] = new JsonObject
                {
                    ["http"] = new JsonObject { ["method"] = "GET", ["path"] = "/health", ["protocol"] = "HTTP/1.1", ["sourceIp"] = "127.0.0.1", ["userAgent"] = "PreTrafficHook" },
                    ["requestId"] = correlationId,
                    ["routeKey"] = "GET /health",
                    ["stage"] = "$default",
                },
                ["isBase64Encoded"] = false,
            },
            HealthTarget.RestApi => new()
            {
                ["resource"] = "/health",
                ["path"] = "/health",
                ["httpMethod"] = "GET",
                ["headers"] = headers,
                ["requestContext"] = new JsonObject
                {
                    ["resourcePath"] = "/health",
                    ["httpMethod"] = "GET",
                    ["path"] = "/health",
                    ["requestId"] = correlationId,
                    ["identity"] = new JsonObject { ["sourceIp"] = "127.0.0.1" },
                },
                ["isBase64Encoded"] = false,
            },
            HealthTarget.WebSocketApi => new()
            {
                ["headers"] = headers,
                ["requestContext"] = new JsonObject
                {
                    ["routeKey"] = "health",
                    ["eventType"] = "MESSAGE",
                    ["requestId"] = correlationId,
                    ["stage"] = "pretraffic",
                    ["identity"] = new JsonObject { ["sourceIp"] = "127.0.0.1" },
                },
                ["isBase64Encoded"] = false,
            },
            HealthTarget.RequestAuthorizer => new()
            {
                ["type"] = "REQUEST",
                ["methodArn"] = "arn:aws:execute-api:us-east-1:000000000000:pretraffic/$default/$connect",
                ["queryStringParameters"] = new JsonObject { ["room"] = "lobby" },
                ["requestContext"] = new JsonObject { ["routeKey"] = "$connect", ["eventType"] = "CONNECT", ["requestId"] = correlationId },
            },
            HealthTarget.StreamConsumer => new() { ["Records"] = new JsonArray() },
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown health target."),
        };
        return request.ToJsonString();
    }

    /// <summary>Null when healthy, else why not.</summary>
    public static string? Verdict(HealthTarget target, string? functionError, string payload)
    {
        if (functionError is not null)
        {
            return $"The invocation failed ({functionError}): {Truncate(payload)}";
        }

        try
        {
            var answer = JsonNode.Parse(payload) as JsonObject;
            return target switch
            {
                HealthTarget.RequestAuthorizer => answer?["policyDocument"] is JsonObject ? null : $"The authorizer answered no policy: {Truncate(payload)}",
                HealthTarget.StreamConsumer => (answer?["batchItemFailures"] ?? answer?["BatchItemFailures"]) is JsonArray { Count: 0 }
                    ? null : $"The consumer did not answer an empty batch with no failures: {Truncate(payload)}",
                _ => answer?["statusCode"]?.GetValue<int>() is int status
                    ? status == 200 ? null : $"The health check answered {status}: {Truncate(payload)}"
                    : $"The answer has no status code: {Truncate(payload)}",
            };
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return $"The answer is not JSON: {Truncate(payload)}";
        }
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
