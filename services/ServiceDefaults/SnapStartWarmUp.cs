using System.Text;
using System.Text.Json;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.AspNetCoreServer.Hosting.Internal;
using Amazon.Lambda.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Samples.ServiceDefaults;

/// <summary>
/// What SnapStart runs through the function before Lambda takes the snapshot (managed build; Lambda runs it only when it
/// takes one, never on an on-demand init), so the snapshot holds the code a first request runs already warm. Each
/// request is an API Gateway event as the gateway sends it: JSON, read by the function's own Lambda serializer, handed
/// to the hosting library's handler (its marshalling, the gateway identity from <c>requestContext.authorizer</c>),
/// through the whole pipeline (authentication, authorization, routing, validation, the endpoint, the service's
/// DynamoDB reads, problem details), and the answer serialized back. None may write: each runs five times, as the
/// hosting library's own warm-up does. Nothing in the answers is kept.
/// </summary>
public sealed class SnapStartWarmUp
{
    /// <summary>The subject of the signed-in warm-up requests: no Cognito user has it (theirs are UUIDs).</summary>
    public const string Subject = "snapstart-warm-up";

    /// <summary>How many times each request runs, the hosting library's count for its own warm-up requests.</summary>
    public const int Rounds = 5;

    /// <summary>Reads of routes the gateway serves without an authorizer (paths with their query, such as <c>/products?limit=1</c>).</summary>
    public IReadOnlyList<string> AnonymousReads { get; init; } = [];

    /// <summary>Reads of routes behind the gateway's authorizer, made as a signed-in user who has nothing stored.</summary>
    public IReadOnlyList<string> SignedInReads { get; init; } = [];

    /// <summary>
    /// The warm-up's events for an API of <paramref name="eventSource"/>, as JSON. REST and HTTP APIs: the configured
    /// reads. WebSocket APIs: the <c>$disconnect</c> of a connection that was never stored (a delete of nothing, with
    /// no authorizer context, so nobody is told anything).
    /// </summary>
    public IEnumerable<string> Events(LambdaEventSource eventSource)
    {
        foreach (var path in AnonymousReads.Concat(SignedInReads))
        {
            if (!path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"A warm-up read is a path of this app, such as /products?limit=1, not \"{path}\".");
            }
        }

        var requestNumber = 0;
        string RequestId() => $"{Subject}-{++requestNumber}";
        if (eventSource == LambdaEventSource.WebsocketApi)
        {
            yield return WebSocketDisconnect(RequestId());
            yield break;
        }

        Func<string, string, bool, string> get = eventSource switch
        {
            LambdaEventSource.HttpApi => HttpApiGet,
            LambdaEventSource.RestApi => RestApiGet,
            _ => throw new NotSupportedException($"No SnapStart warm-up for {eventSource} events."),
        };
        foreach (var path in AnonymousReads)
        {
            yield return get(path, RequestId(), false);
        }

        foreach (var path in SignedInReads)
        {
            yield return get(path, RequestId(), true);
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
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var json in events)
            {
                await invoke(json);
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

    private static string HttpApiGet(string path, string requestId, bool signedIn) => Json(writer =>
    {
        var (rawPath, query) = Split(path);
        Strings(writer, ("version", "2.0"), ("routeKey", "$default"), ("rawPath", rawPath), ("rawQueryString", query));
        writer.WriteStartObject("headers");
        Strings(writer, ("accept", "application/json"), ("host", "warm-up.execute-api.amazonaws.com"), ("user-agent", Subject));
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
        Strings(writer, ("method", "GET"), ("path", rawPath), ("protocol", "HTTP/1.1"), ("sourceIp", "127.0.0.1"), ("userAgent", Subject));
        writer.WriteEndObject();
        if (signedIn)
        {
            writer.WriteStartObject("authorizer");
            writer.WriteStartObject("jwt");
            WriteClaims(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteBoolean("isBase64Encoded", false);
    });

    private static string RestApiGet(string path, string requestId, bool signedIn) => Json(writer =>
    {
        var (rawPath, query) = Split(path);
        Strings(writer, ("resource", rawPath), ("path", rawPath), ("httpMethod", "GET"));
        writer.WriteStartObject("headers");
        Strings(writer, ("Accept", "application/json"), ("Host", "warm-up.execute-api.amazonaws.com"));
        writer.WriteEndObject();
        writer.WriteStartObject("multiValueHeaders");
        writer.WriteStartArray("Accept");
        writer.WriteStringValue("application/json");
        writer.WriteEndArray();
        writer.WriteStartArray("Host");
        writer.WriteStringValue("warm-up.execute-api.amazonaws.com");
        writer.WriteEndArray();
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
            ("httpMethod", "GET"),
            ("domainName", "warm-up.execute-api.amazonaws.com"));
        writer.WriteNumber("requestTimeEpoch", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        writer.WriteStartObject("identity");
        Strings(writer, ("sourceIp", "127.0.0.1"), ("userAgent", Subject));
        writer.WriteEndObject();
        if (signedIn)
        {
            writer.WriteStartObject("authorizer");
            WriteClaims(writer);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteBoolean("isBase64Encoded", false);
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

    /// <summary>What a Cognito authorizer passes on from an ID token: enough to be signed in, no groups.</summary>
    private static void WriteClaims(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("claims");
        Strings(writer, ("sub", Subject), ("cognito:username", Subject), ("token_use", "id"));
        writer.WriteEndObject();
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
