using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Samples.StandIns;

namespace Samples.Testing;

/// <summary>One request a <see cref="RecordingServer"/> received.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// An HTTP endpoint on loopback that stands where an AWS service endpoint would (the API Gateway Management API,
/// Lambda's Invoke API, CodeDeploy, a Cognito pool's metadata): it records every request and answers with
/// <see cref="Respond"/>, so a function under test talks to it over the real wire format.
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();

    private RecordingServer(WebApplication app, Func<RecordedRequest, Task<IResult>> respond)
    {
        this.app = app;
        Respond = respond;
    }

    /// <summary>The answer to each request; replaceable while the server runs.</summary>
    public Func<RecordedRequest, Task<IResult>> Respond { get; set; }

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    public static async Task<RecordingServer> StartAsync(Func<RecordedRequest, Task<IResult>> respond)
    {
        var server = new RecordingServer(LoopbackApp.Create(), respond);
        server.app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var request = new RecordedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                await reader.ReadToEndAsync(context.RequestAborted));
            server.requests.Enqueue(request);
            await (await server.Respond(request)).ExecuteAsync(context);
        });
        server.Url = await LoopbackApp.StartAsync(server.app);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
