using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Samples.StandIns;

/// <summary>
/// Lambda's Runtime API (version 2018-06-01) as one execution environment's runtime client sees it through
/// AWS_LAMBDA_RUNTIME_API: the function long-polls <c>GET /runtime/invocation/next</c> for an event, answers it with
/// <c>POST /runtime/invocation/{id}/response</c> or <c>/error</c>, or reports a failed init with
/// <c>POST /runtime/init/error</c>; under SnapStart it asks <c>GET /runtime/restore/next</c> after its before-snapshot
/// hooks. The tests and the bench queue events and await the answers, so a function runs
/// here exactly as its runtime client loop runs in Lambda. One function process per instance.
/// </summary>
public sealed class LambdaRuntimeApi : IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/runtime";

    private readonly WebApplication app;
    private readonly Channel<Invocation> events = Channel.CreateUnbounded<Invocation>();
    private readonly ConcurrentDictionary<string, Invocation> inFlight = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<InvocationResult> initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long firstPoll;
    private long restore;

    private LambdaRuntimeApi(WebApplication app, string functionArn)
    {
        this.app = app;
        FunctionArn = functionArn;
    }

    /// <summary>host:port, the value of AWS_LAMBDA_RUNTIME_API.</summary>
    public string HostAndPort { get; private set; } = "";

    /// <summary>The function ARN sent with every event.</summary>
    public string FunctionArn { get; }

    /// <summary>
    /// When the runtime client first asked for an event (<see cref="Stopwatch.GetTimestamp"/>): the end of
    /// the init phase, as Lambda counts Init Duration. Zero until then.
    /// </summary>
    public long FirstPollTimestamp => Interlocked.Read(ref firstPoll);

    /// <summary>
    /// When a SnapStart runtime client (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start) asked to be restored, its before-snapshot
    /// hooks done: where Lambda would take the snapshot. Zero until then. The answer comes at once, as if restored.
    /// </summary>
    public long RestoreTimestamp => Interlocked.Read(ref restore);

    /// <summary>The init error the function reported, if it reported one.</summary>
    public Task<InvocationResult> InitError => initError.Task;

    public static async Task<LambdaRuntimeApi> StartAsync(string? functionArn = null)
    {
        var api = new LambdaRuntimeApi(LoopbackApp.Create(), functionArn ?? "arn:aws:lambda:us-east-1:000000000000:function:local");
        api.Map();
        api.HostAndPort = (await LoopbackApp.StartAsync(api.app)).Authority;
        return api;
    }

    /// <summary>
    /// Hands the function one event and waits for its answer (or its error). The deadline the function sees is
    /// <paramref name="timeout"/> from now, as a function's configured timeout; the trace header is the one the
    /// Lambda service passes on from API Gateway's active tracing.
    /// </summary>
    public async Task<InvocationResult> InvokeAsync(string payload, TimeSpan timeout, string? traceHeader = null)
    {
        var invocation = new Invocation(
            Guid.NewGuid().ToString(), payload, DateTimeOffset.UtcNow + timeout,
            traceHeader ?? $"Root=1-{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x8}-{Guid.NewGuid().ToString("N")[..24]};Parent=53995c3f42cd8ad8;Sampled=1");
        inFlight[invocation.RequestId] = invocation;
        await events.Writer.WriteAsync(invocation);
        var finished = await Task.WhenAny(invocation.Result.Task, initError.Task, Task.Delay(timeout + TimeSpan.FromSeconds(5)));
        inFlight.TryRemove(invocation.RequestId, out _);
        return finished == invocation.Result.Task || finished == initError.Task
            ? await (Task<InvocationResult>)finished
            : throw new TimeoutException($"The function did not answer {invocation.RequestId} within {timeout.TotalSeconds:0.#} s (+5 s).");
    }

    private void Map()
    {
        app.MapGet(Prefix + "/invocation/next", async (HttpContext context) =>
        {
            Interlocked.CompareExchange(ref firstPoll, Stopwatch.GetTimestamp(), 0);
            var invocation = await events.Reader.ReadAsync(context.RequestAborted);
            invocation.HandedOut = Stopwatch.GetTimestamp();
            var headers = context.Response.Headers;
            headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
            headers["Lambda-Runtime-Deadline-Ms"] = invocation.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            headers["Lambda-Runtime-Invoked-Function-Arn"] = FunctionArn;
            headers["Lambda-Runtime-Trace-Id"] = invocation.TraceHeader;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(invocation.Payload, context.RequestAborted);
        });
        app.MapPost(Prefix + "/invocation/{requestId}/response", async (string requestId, HttpContext context) =>
            Complete(requestId, await ReadAsync(context), errorType: null));
        app.MapPost(Prefix + "/invocation/{requestId}/error", async (string requestId, HttpContext context) =>
            Complete(requestId, await ReadAsync(context), context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString() is { Length: > 0 } type ? type : "Unhandled"));
        app.MapGet(Prefix + "/restore/next", () =>
        {
            Interlocked.CompareExchange(ref restore, Stopwatch.GetTimestamp(), 0);
            return Results.Ok();
        });
        app.MapPost(Prefix + "/restore/error", async (HttpContext context) =>
        {
            initError.TrySetResult(new InvocationResult("restore", await ReadAsync(context), "Runtime.RestoreError"));
            return Results.Accepted();
        });
        app.MapPost(Prefix + "/init/error", async (HttpContext context) =>
        {
            var type = context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
            initError.TrySetResult(new InvocationResult("init", await ReadAsync(context), type.Length > 0 ? type : "Runtime.InitError"));
            return Results.Accepted();
        });
    }

    private IResult Complete(string requestId, string body, string? errorType)
    {
        if (!inFlight.TryGetValue(requestId, out var invocation))
        {
            return Results.BadRequest(); // the real API answers 400 for an unknown or finished request id
        }

        invocation.Result.TrySetResult(new InvocationResult(requestId, body, errorType) { HandedOutTimestamp = invocation.HandedOut });
        return Results.Accepted();
    }

    private static async Task<string> ReadAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        events.Writer.TryComplete();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private sealed record Invocation(string RequestId, string Payload, DateTimeOffset Deadline, string TraceHeader)
    {
        public TaskCompletionSource<InvocationResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long HandedOut { get; set; }
    }
}

/// <summary>A function's answer to one event: its payload, or (with <see cref="ErrorType"/>) its error document.</summary>
public sealed record InvocationResult(string RequestId, string Payload, string? ErrorType)
{
    /// <summary>When the runtime client received the event (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long HandedOutTimestamp { get; init; }

    public bool Succeeded => ErrorType is null;
}
