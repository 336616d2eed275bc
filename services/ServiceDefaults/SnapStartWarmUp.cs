using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.AspNetCoreServer.Hosting.Internal;
using Amazon.Lambda.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Samples.ServiceDefaults;

/// <summary>
/// What SnapStart runs through the function before Lambda takes the snapshot (managed build; Lambda runs it only when it
/// takes one, never on an on-demand init), so the snapshot holds the code a first request runs already warm. Each
/// request is an API Gateway event as the gateway sends it: JSON, read by the function's own Lambda serializer, handed
/// to the hosting library's handler (its marshalling, the gateway identity from <c>requestContext.authorizer</c>),
/// through the whole pipeline (authentication, authorization, routing, validation, the endpoint, the service's
/// DynamoDB calls, problem details), and the answer serialized back. None may change anything: each runs five times,
/// as the hosting library's own warm-up does, so a write is warmed by one that cannot succeed (a body that fails
/// validation, a conditional write to an item that does not exist). Nothing in the answers is kept.
/// </summary>
public sealed class SnapStartWarmUp
{
    /// <summary>The subject of the signed-in warm-up requests: no Cognito user has it (theirs are UUIDs).</summary>
    public const string Subject = "snapstart-warm-up";

    /// <summary>How many times each request runs, the hosting library's count for its own warm-up requests.</summary>
    public const int Rounds = 5;

    /// <summary>The requests, in order; each must change nothing.</summary>
    public IReadOnlyList<WarmUpRequest> Requests { get; init; } = [];

    /// <summary>
    /// What the routes answer when they find an item, which no warm-up request does (none may write one first): sample
    /// values serialized with the app's JSON options into a pipe, as an endpoint writes its answer.
    /// </summary>
    public IReadOnlyList<object> Answers { get; init; } = [];

    /// <summary>
    /// The warm-up's events for an API of <paramref name="eventSource"/>, as JSON. REST and HTTP APIs: the configured
    /// requests. WebSocket APIs: the <c>$disconnect</c> of a connection that was never stored (a delete of nothing, with
    /// no authorizer context, so nobody is told anything).
    /// </summary>
    public IEnumerable<string> Events(LambdaEventSource eventSource)
    {
        var requestNumber = 0;
        string RequestId() => $"{Subject}-{++requestNumber}";
        if (eventSource == LambdaEventSource.WebsocketApi)
        {
            yield return WebSocketDisconnect(RequestId());
            yield break;
        }

        Func<WarmUpRequest, string, string> write = eventSource switch
        {
            LambdaEventSource.HttpApi => HttpApiEvent,
            LambdaEventSource.RestApi => RestApiEvent,
            _ => throw new NotSupportedException($"No SnapStart warm-up for {eventSource} events."),
        };
        foreach (var request in Requests)
        {
            yield return write(request, RequestId());
        }
    }

    /// <summary>
    /// Registers the warm-up with SnapStart's before-snapshot hooks once the app's services exist (before the server,
    /// and with it RuntimeSupport, starts; RuntimeSupport runs the hooks before it asks to be restored).
    /// </summary>
    internal void RegisterBeforeSnapshot(IServiceCollection services, LambdaEventSource eventSource) =>
        services.AddSingleton<IStartupFilter>(new RegisterAtStart(this, eventSource));

    /// <summary>Runs every warm-up event <see cref="Rounds"/> times through the function's handler, as Lambda would hand it over.</summary>
    internal async Task RunAsync(IServiceProvider services, LambdaEventSource eventSource)
    {
        var serializer = services.GetRequiredService<ILambdaSerializer>();
        Func<string, Task> invoke = eventSource switch
        {
            LambdaEventSource.HttpApi => Handler<APIGatewayHttpApiV2ProxyRequest, APIGatewayHttpApiV2ProxyResponse>(
                serializer, new APIGatewayHttpApiV2LambdaRuntimeSupportServer.APIGatewayHttpApiV2MinimalApi(services).FunctionHandlerAsync),
            LambdaEventSource.RestApi => Handler<APIGatewayProxyRequest, APIGatewayProxyResponse>(
                serializer, new APIGatewayRestApiLambdaRuntimeSupportServer.APIGatewayRestApiMinimalApi(services).FunctionHandlerAsync),
            LambdaEventSource.WebsocketApi => Handler<APIGatewayProxyRequest, APIGatewayProxyResponse>(
                serializer, new APIGatewayWebsocketApiLambdaRuntimeSupportServer.APIGatewayWebsocketMinimalApi(services).FunctionHandlerAsync),
            _ => throw new NotSupportedException($"No SnapStart warm-up for {eventSource} events."),
        };
        var events = Events(eventSource).ToList();
        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var lambdaEvent in events)
            {
                await invoke(lambdaEvent);
            }

            foreach (var answer in Answers)
            {
                var pipe = new Pipe();
                await JsonSerializer.SerializeAsync(pipe.Writer, answer, json.GetTypeInfo(answer.GetType()));
                await pipe.Writer.CompleteAsync();
                await pipe.Reader.CompleteAsync();
            }
        }
    }

    private static Func<string, Task> Handler<TRequest, TResponse>(ILambdaSerializer serializer, Func<TRequest, ILambdaContext, Task<TResponse>> handler) =>
        async json =>
        {
            using var input = new MemoryStream(Encoding.UTF8.GetBytes(json));
            var request = serializer.Deserialize<TRequest>(input);
            var response = await handler(request, new WarmUpContext());
            using var output = new MemoryStream();
            serializer.Serialize(response, output);
        };

    private static string HttpApiEvent(WarmUpRequest request, string requestId) => Json(writer =>
    {
        var (rawPath, query) = Split(request.Path);
        Strings(writer, ("version", "2.0"), ("routeKey", "$default"), ("rawPath", rawPath), ("rawQueryString", query));
        writer.WriteStartObject("headers");
        Strings(writer, ("accept", "application/json"), ("host", "warm-up.execute-api.amazonaws.com"), ("user-agent", Subject));
        WriteRequestHeaders(writer, request, multiValue: false);
        writer.WriteEndObject();
        WriteQuery(writer, "queryStringParameters", query, multiValue: false);
        writer.WriteStartObject("requestContext");
        Strings(
            writer,
            ("requestId", requestId),
            ("routeKey", "$default"),
            ("stage", "$default"),
            ("domainName", "warm-up.execute-api.amazonaws.com"));
        writer.WriteNumber("timeEpoch", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        writer.WriteStartObject("http");
        Strings(writer, ("method", request.Method), ("path", rawPath), ("protocol", "HTTP/1.1"), ("sourceIp", "127.0.0.1"), ("userAgent", Subject));
        writer.WriteEndObject();
        if (request.SignedIn)
        {
            writer.WriteStartObject("authorizer");
            writer.WriteStartObject("jwt");
            WriteClaims(writer, request.Group is { } group ? $"[{group}]" : null); // an HTTP API writes an array claim as "[a b]"
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        WriteBody(writer, request);
    });

    private static string RestApiEvent(WarmUpRequest request, string requestId) => Json(writer =>
    {
        var (rawPath, query) = Split(request.Path);
        Strings(writer, ("resource", rawPath), ("path", rawPath), ("httpMethod", request.Method));
        writer.WriteStartObject("headers");
        Strings(writer, ("Accept", "application/json"), ("Host", "warm-up.execute-api.amazonaws.com"));
        WriteRequestHeaders(writer, request, multiValue: false);
        writer.WriteEndObject();
        writer.WriteStartObject("multiValueHeaders");
        writer.WriteStartArray("Accept");
        writer.WriteStringValue("application/json");
        writer.WriteEndArray();
        writer.WriteStartArray("Host");
        writer.WriteStringValue("warm-up.execute-api.amazonaws.com");
        writer.WriteEndArray();
        WriteRequestHeaders(writer, request, multiValue: true);
        writer.WriteEndObject();
        WriteQuery(writer, "queryStringParameters", query, multiValue: false);
        WriteQuery(writer, "multiValueQueryStringParameters", query, multiValue: true);
        writer.WriteStartObject("requestContext");
        Strings(
            writer,
            ("requestId", requestId),
            ("stage", "prod"),
            ("path", "/prod" + rawPath),
            ("resourcePath", rawPath),
            ("httpMethod", request.Method),
            ("domainName", "warm-up.execute-api.amazonaws.com"));
        writer.WriteNumber("requestTimeEpoch", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        writer.WriteStartObject("identity");
        Strings(writer, ("sourceIp", "127.0.0.1"), ("userAgent", Subject));
        writer.WriteEndObject();
        if (request.SignedIn)
        {
            writer.WriteStartObject("authorizer");
            WriteClaims(writer, request.Group); // a REST API's Cognito authorizer writes an array claim as "a,b"
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        WriteBody(writer, request);
    });

    private static string WebSocketDisconnect(string requestId) => Json(writer =>
    {
        writer.WriteStartObject("headers");
        writer.WriteString("Host", "warm-up.execute-api.amazonaws.com");
        writer.WriteEndObject();
        writer.WriteStartObject("requestContext");
        Strings(
            writer,
            ("routeKey", "$disconnect"),
            ("eventType", "DISCONNECT"),
            ("requestId", requestId),
            ("connectionId", Subject + "="),
            ("stage", "prod"),
            ("domainName", "warm-up.execute-api.amazonaws.com"));
        writer.WriteNumber("requestTimeEpoch", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        writer.WriteNumber("disconnectStatusCode", 1001);
        writer.WriteEndObject();
        writer.WriteBoolean("isBase64Encoded", false);
    });

    /// <summary>What a Cognito authorizer passes on from an ID token: enough to be signed in, and the group if any.</summary>
    private static void WriteClaims(Utf8JsonWriter writer, string? groups)
    {
        writer.WriteStartObject("claims");
        Strings(writer, ("sub", Subject), ("cognito:username", Subject), ("token_use", "id"));
        if (groups is not null)
        {
            writer.WriteString("cognito:groups", groups);
        }

        writer.WriteEndObject();
    }

    /// <summary>Content-Type with a body, and If-Match: the headers a write carries.</summary>
    private static void WriteRequestHeaders(Utf8JsonWriter writer, WarmUpRequest request, bool multiValue)
    {
        foreach (var (name, value) in new[] { ("Content-Type", request.Body is null ? null : "application/json"), ("If-Match", request.IfMatch) })
        {
            if (value is null)
            {
                continue;
            }

            if (multiValue)
            {
                writer.WriteStartArray(name);
                writer.WriteStringValue(value);
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString(name, value);
            }
        }
    }

    private static void WriteBody(Utf8JsonWriter writer, WarmUpRequest request)
    {
        if (request.Body is not null)
        {
            writer.WriteString("body", request.Body);
        }

        writer.WriteBoolean("isBase64Encoded", false);
    }

    private static void WriteQuery(Utf8JsonWriter writer, string name, string query, bool multiValue)
    {
        if (query.Length == 0)
        {
            return;
        }

        writer.WriteStartObject(name);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.IndexOf('=', StringComparison.Ordinal) is var at and >= 0 ? (pair[..at], pair[(at + 1)..]) : (pair, "");
            if (multiValue)
            {
                writer.WriteStartArray(Uri.UnescapeDataString(key));
                writer.WriteStringValue(Uri.UnescapeDataString(value));
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString(Uri.UnescapeDataString(key), Uri.UnescapeDataString(value));
            }
        }

        writer.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter writer, params ReadOnlySpan<(string Name, string Value)> properties)
    {
        foreach (var (name, value) in properties)
        {
            writer.WriteString(name, value);
        }
    }

    private static (string Path, string Query) Split(string path) =>
        path.IndexOf('?', StringComparison.Ordinal) is var at and >= 0 ? (path[..at], path[(at + 1)..]) : (path, "");

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Registers the hook once the app's services are built; the hook itself runs only if Lambda takes a snapshot.</summary>
    private sealed class RegisterAtStart(SnapStartWarmUp warmUp, LambdaEventSource eventSource) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var services = app.ApplicationServices;
            // Named in full: RuntimeSupport's dependency SnapshotRestore.Registry has a namespace of the same name.
            Amazon.Lambda.Core.SnapshotRestore.RegisterBeforeSnapshot(() => new ValueTask(warmUp.RunAsync(services, eventSource)));
            next(app);
        };
    }

    /// <summary>The invocation context of a warm-up: the function's own names, its memory, a minute to run.</summary>
    private sealed class WarmUpContext : ILambdaContext
    {
        public string AwsRequestId => Subject;

        public IClientContext ClientContext => null!;

        public string FunctionName => Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME") ?? "";

        public string FunctionVersion => Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_VERSION") ?? "";

        public ICognitoIdentity Identity => null!;

        public string InvokedFunctionArn => "";

        public ILambdaLogger Logger => null!;

        public string LogGroupName => Environment.GetEnvironmentVariable("AWS_LAMBDA_LOG_GROUP_NAME") ?? "";

        public string LogStreamName => Environment.GetEnvironmentVariable("AWS_LAMBDA_LOG_STREAM_NAME") ?? "";

        public int MemoryLimitInMB => int.TryParse(Environment.GetEnvironmentVariable("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), out var size) ? size : 128;

        public TimeSpan RemainingTime => TimeSpan.FromMinutes(1);
    }
}

/// <summary>
/// One request of the SnapStart warm-up, as API Gateway would hand it over. It must change nothing: a read, or a write
/// that cannot succeed (a body that fails validation, a conditional write to an item that does not exist).
/// </summary>
/// <param name="Method">GET, POST, PUT, DELETE.</param>
/// <param name="Path">A path of this app with its query: <c>/products?limit=1</c>.</param>
/// <param name="Body">The JSON body, if any.</param>
/// <param name="IfMatch">The If-Match header, if any: <c>"1"</c>.</param>
/// <param name="SignedIn">Made as a signed-in user the gateway's authorizer passed (<see cref="SnapStartWarmUp.Subject"/>), not anonymously.</param>
/// <param name="Group">The user's Cognito group, if any (SignedIn only): <c>admin</c>.</param>
public sealed record WarmUpRequest(string Method, string Path, string? Body = null, string? IfMatch = null, bool SignedIn = false, string? Group = null)
{
    /// <summary>Checked where the app declares it, so a wrong path fails every start, not only Lambda's snapshot.</summary>
    public string Path { get; } = Path.StartsWith('/') && !Path.StartsWith("//", StringComparison.Ordinal)
        ? Path
        : throw new ArgumentException($"A warm-up request is for a path of this app, such as /products?limit=1, not \"{Path}\".", nameof(Path));
}
