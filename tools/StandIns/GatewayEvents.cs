using System.Text.Json.Nodes;

namespace Samples.StandIns;

/// <summary>
/// Lambda events in the exact shapes API Gateway sends them, with the authorizer's output where the gateway puts it:
/// HTTP API payload 2.0 with a JWT authorizer (claims under requestContext.authorizer.jwt.claims, array claims as
/// "[a b]"), REST payload 1.0 with a Cognito user pool authorizer (claims under requestContext.authorizer.claims,
/// array claims comma-separated), WebSocket events (the REQUEST authorizer's context under requestContext.authorizer on
/// every route of the connection) and the REQUEST authorizer's own event. The tests and the bench hand them to
/// functions through <see cref="LambdaRuntimeApi"/>.
/// </summary>
public static class GatewayEvents
{
    private const string AccountId = "123456789012";
    private const string ApiId = "a1b2c3d4e5";

    /// <summary>An HTTP API (payload 2.0) request; <paramref name="claims"/> null: a route without an authorizer.</summary>
    public static JsonObject HttpApi(string method, string path, string? body = null, IReadOnlyDictionary<string, string>? claims = null, string routeKey = "", IReadOnlyDictionary<string, string>? headers = null)
    {
        var (rawPath, query) = Split(path);
        var requestId = RequestId();
        var requestContext = new JsonObject
        {
            ["accountId"] = AccountId,
            ["apiId"] = ApiId,
            ["domainName"] = $"{ApiId}.execute-api.us-east-1.amazonaws.com",
            ["domainPrefix"] = ApiId,
            ["http"] = new JsonObject { ["method"] = method, ["path"] = rawPath, ["protocol"] = "HTTP/1.1", ["sourceIp"] = "203.0.113.7", ["userAgent"] = "GatewayEvents" },
            ["requestId"] = requestId,
            ["routeKey"] = routeKey.Length > 0 ? routeKey : $"{method} {rawPath}",
            ["stage"] = "$default",
            ["time"] = DateTime.UtcNow.ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture),
            ["timeEpoch"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        if (claims is not null)
        {
            requestContext["authorizer"] = new JsonObject
            {
                ["jwt"] = new JsonObject { ["claims"] = Claims(claims), ["scopes"] = null },
            };
        }

        var allHeaders = new JsonObject { ["accept"] = "application/json", ["host"] = $"{ApiId}.execute-api.us-east-1.amazonaws.com", ["user-agent"] = "GatewayEvents", ["x-forwarded-for"] = "203.0.113.7" };
        if (claims is not null)
        {
            allHeaders["authorization"] = "Bearer eyJraWQiOiJnYXRld2F5LXZhbGlkYXRlZCJ9.e30.c2lnbmF0dXJl"; // the gateway validated it; the app trusts the claims
        }

        if (body is not null)
        {
            allHeaders["content-type"] = "application/json";
            allHeaders["content-length"] = System.Text.Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            allHeaders[name.ToLowerInvariant()] = value;
        }

        var request = new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = requestContext["routeKey"]!.GetValue<string>(),
            ["rawPath"] = rawPath,
            ["rawQueryString"] = query,
            ["headers"] = allHeaders,
            ["requestContext"] = requestContext,
            ["isBase64Encoded"] = false,
        };
        if (query.Length > 0)
        {
            request["queryStringParameters"] = QueryParameters(query);
        }

        if (body is not null)
        {
            request["body"] = body;
        }

        return request;
    }

    /// <summary>The claims of an ID token from a Cognito pool that signs in by e-mail, as an authorizer passes them on.</summary>
    public static Dictionary<string, string> CognitoClaims(string sub, string? groups = null, string? name = null, string issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool", string audience = "test-app-client")
    {
        var claims = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["sub"] = sub,
            ["email"] = $"{sub}@example.com",
            ["email_verified"] = "true",
            ["cognito:username"] = sub,
            ["token_use"] = "id",
            ["aud"] = audience,
            ["iss"] = issuer,
            ["auth_time"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["exp"] = DateTimeOffset.UtcNow.AddMinutes(55).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (groups is not null)
        {
            claims["cognito:groups"] = groups;
        }

        if (name is not null)
        {
            claims["name"] = name;
        }

        return claims;
    }

    /// <summary>Groups as an HTTP API JWT authorizer writes an array claim: "[admin readers]".</summary>
    public static string HttpApiGroups(params string[] groups) => "[" + string.Join(' ', groups) + "]";

    /// <summary>Groups as a REST API Cognito authorizer writes an array claim: "admin,readers".</summary>
    public static string RestApiGroups(params string[] groups) => string.Join(',', groups);

    /// <summary>A REST API (payload 1.0) request through a proxy resource; <paramref name="claims"/> from the Cognito authorizer.</summary>
    public static JsonObject RestApi(
        string method, string path, string resource, string? body = null, IReadOnlyDictionary<string, string>? claims = null, IReadOnlyDictionary<string, string>? pathParameters = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var (rawPath, query) = Split(path);
        var requestContext = new JsonObject
        {
            ["accountId"] = AccountId,
            ["apiId"] = ApiId,
            ["domainName"] = $"{ApiId}.execute-api.us-east-1.amazonaws.com",
            ["domainPrefix"] = ApiId,
            ["extendedRequestId"] = "Ex" + Guid.NewGuid().ToString("N")[..12] + "=",
            ["httpMethod"] = method,
            ["identity"] = new JsonObject { ["sourceIp"] = "203.0.113.7", ["userAgent"] = "GatewayEvents" },
            ["path"] = "/prod" + rawPath,
            ["protocol"] = "HTTP/1.1",
            ["requestId"] = RequestId(),
            ["requestTime"] = DateTime.UtcNow.ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture),
            ["requestTimeEpoch"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["resourceId"] = "abc123",
            ["resourcePath"] = resource,
            ["stage"] = "prod",
        };
        if (claims is not null)
        {
            requestContext["authorizer"] = new JsonObject { ["claims"] = Claims(claims) };
        }

        var allHeaders = new JsonObject { ["Accept"] = "application/json", ["Host"] = $"{ApiId}.execute-api.us-east-1.amazonaws.com", ["User-Agent"] = "GatewayEvents", ["X-Forwarded-For"] = "203.0.113.7" };
        if (claims is not null)
        {
            allHeaders["Authorization"] = "eyJraWQiOiJnYXRld2F5LXZhbGlkYXRlZCJ9.e30.c2lnbmF0dXJl";
        }

        if (body is not null)
        {
            allHeaders["Content-Type"] = "application/json";
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            allHeaders[name] = value;
        }

        return new JsonObject
        {
            ["resource"] = resource,
            ["path"] = rawPath,
            ["httpMethod"] = method,
            ["headers"] = allHeaders,
            ["multiValueHeaders"] = MultiValue(allHeaders),
            ["queryStringParameters"] = query.Length > 0 ? QueryParameters(query) : null,
            ["multiValueQueryStringParameters"] = query.Length > 0 ? MultiValue(QueryParameters(query)) : null,
            ["pathParameters"] = pathParameters is null ? null : Claims(pathParameters),
            ["stageVariables"] = null,
            ["requestContext"] = requestContext,
            ["body"] = body,
            ["isBase64Encoded"] = false,
        };
    }

    /// <summary>
    /// A WebSocket API event for <paramref name="routeKey"/> ($connect, $disconnect, $default or an action route);
    /// <paramref name="authorizerContext"/> is what the REQUEST authorizer returned at $connect.
    /// </summary>
    public static JsonObject WebSocket(string routeKey, string connectionId, string? body = null, IReadOnlyDictionary<string, string>? authorizerContext = null, IReadOnlyDictionary<string, string>? query = null, string stage = "prod", string domainName = ApiId + ".execute-api.us-east-1.amazonaws.com")
    {
        var eventType = routeKey switch { "$connect" => "CONNECT", "$disconnect" => "DISCONNECT", _ => "MESSAGE" };
        var requestContext = new JsonObject
        {
            ["routeKey"] = routeKey,
            ["eventType"] = eventType,
            ["extendedRequestId"] = "Ex" + Guid.NewGuid().ToString("N")[..12] + "=",
            ["requestTime"] = DateTime.UtcNow.ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture),
            ["messageDirection"] = "IN",
            ["stage"] = stage,
            ["connectedAt"] = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds(),
            ["requestTimeEpoch"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["identity"] = new JsonObject { ["sourceIp"] = "203.0.113.7", ["userAgent"] = "GatewayEvents" },
            ["requestId"] = RequestId(),
            ["domainName"] = domainName,
            ["connectionId"] = connectionId,
            ["apiId"] = ApiId,
        };
        if (eventType == "MESSAGE")
        {
            requestContext["messageId"] = "Msg" + Guid.NewGuid().ToString("N")[..12] + "=";
        }

        if (eventType == "DISCONNECT")
        {
            requestContext["disconnectStatusCode"] = 1001;
            requestContext["disconnectReason"] = "Going away";
        }

        if (authorizerContext is not null)
        {
            var authorizer = Claims(authorizerContext);
            authorizer["principalId"] = authorizerContext.TryGetValue("userId", out var userId) ? userId : "anonymous";
            authorizer["integrationLatency"] = 42;
            requestContext["authorizer"] = authorizer;
        }

        var request = new JsonObject { ["requestContext"] = requestContext, ["isBase64Encoded"] = false };
        if (eventType == "CONNECT")
        {
            var headers = new JsonObject { ["Host"] = domainName, ["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==", ["Sec-WebSocket-Version"] = "13", ["X-Forwarded-For"] = "203.0.113.7" };
            request["headers"] = headers;
            request["multiValueHeaders"] = MultiValue(headers);
            if (query is not null)
            {
                request["queryStringParameters"] = Claims(query);
                request["multiValueQueryStringParameters"] = MultiValue(Claims(query));
            }
        }
        else if (eventType == "DISCONNECT")
        {
            var headers = new JsonObject { ["Host"] = domainName, ["x-api-key"] = "", ["x-restapi"] = "" };
            request["headers"] = headers;
            request["multiValueHeaders"] = MultiValue(headers);
        }

        if (body is not null)
        {
            request["body"] = body;
        }

        return request;
    }

    /// <summary>The REQUEST authorizer's event for a WebSocket $connect, with the token in the query string (or none).</summary>
    public static JsonObject ConnectAuthorizer(string? token, string room = "lobby")
    {
        var query = new JsonObject { ["room"] = room };
        if (token is not null)
        {
            query["token"] = token;
        }

        return new JsonObject
        {
            ["type"] = "REQUEST",
            ["methodArn"] = $"arn:aws:execute-api:us-east-1:{AccountId}:{ApiId}/prod/$connect",
            ["headers"] = new JsonObject { ["Host"] = $"{ApiId}.execute-api.us-east-1.amazonaws.com", ["Sec-WebSocket-Version"] = "13" },
            ["multiValueHeaders"] = new JsonObject { ["Host"] = new JsonArray($"{ApiId}.execute-api.us-east-1.amazonaws.com"), ["Sec-WebSocket-Version"] = new JsonArray("13") },
            ["queryStringParameters"] = query,
            ["multiValueQueryStringParameters"] = MultiValue(query),
            ["stageVariables"] = new JsonObject(),
            ["requestContext"] = new JsonObject
            {
                ["routeKey"] = "$connect",
                ["eventType"] = "CONNECT",
                ["extendedRequestId"] = "Ex" + Guid.NewGuid().ToString("N")[..12] + "=",
                ["requestTime"] = DateTime.UtcNow.ToString("dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture),
                ["messageDirection"] = "IN",
                ["stage"] = "prod",
                ["connectedAt"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ["requestTimeEpoch"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ["identity"] = new JsonObject { ["sourceIp"] = "203.0.113.7" },
                ["requestId"] = RequestId(),
                ["domainName"] = $"{ApiId}.execute-api.us-east-1.amazonaws.com",
                ["connectionId"] = "Conn" + Guid.NewGuid().ToString("N")[..10] + "=",
                ["apiId"] = ApiId,
            },
        };
    }

    private static string RequestId() => Guid.NewGuid().ToString();

    private static (string Path, string Query) Split(string path) =>
        path.IndexOf('?', StringComparison.Ordinal) is var at and >= 0 ? (path[..at], path[(at + 1)..]) : (path, "");

    private static JsonObject QueryParameters(string query)
    {
        var parameters = new JsonObject();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            parameters[Uri.UnescapeDataString(at < 0 ? pair : pair[..at])] = at < 0 ? "" : Uri.UnescapeDataString(pair[(at + 1)..]);
        }

        return parameters;
    }

    private static JsonObject Claims(IReadOnlyDictionary<string, string> values)
    {
        var json = new JsonObject();
        foreach (var (key, value) in values)
        {
            json[key] = value;
        }

        return json;
    }

    private static JsonObject MultiValue(JsonObject values)
    {
        var json = new JsonObject();
        foreach (var (key, value) in values)
        {
            json[key] = new JsonArray(value?.GetValue<string>());
        }

        return json;
    }
}

/// <summary>Reads a function's answer to an API Gateway proxy event (payload 1.0 or 2.0).</summary>
public static class GatewayAnswers
{
    public static int StatusCode(this JsonObject answer) => answer["statusCode"]!.GetValue<int>();

    public static JsonObject JsonBody(this JsonObject answer) => JsonNode.Parse(answer["body"]!.GetValue<string>())!.AsObject();

    /// <summary>
    /// A response header's value (without parameters such as <c>; charset=utf-8</c>), or null: from <c>headers</c>, or
    /// from <c>multiValueHeaders</c> where payload 1.0 answers carry them.
    /// </summary>
    public static string? Header(this JsonObject answer, string name)
    {
        var single = Find(answer["headers"], name);
        var value = single is JsonValue ? single.GetValue<string>() : Find(answer["multiValueHeaders"], name)?.AsArray().FirstOrDefault()?.GetValue<string>();
        return value?.Split(';')[0];
    }

    private static JsonNode? Find(JsonNode? headers, string name) =>
        headers?.AsObject().FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
