using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Samples.StandIns;
using Xunit;

namespace Samples.Testing;

/// <summary>
/// A function of this repository running as Lambda runs it: its real Amazon.Lambda.RuntimeSupport loop, started the
/// way Lambda starts it, fed API Gateway-shaped events through a <see cref="LambdaRuntimeApi"/>. Which build runs:
/// the managed one (<c>services/{Project}/bin/{Configuration}/net10.0/{Assembly}.dll</c>, what `make build` made) or,
/// when SAMPLES_NATIVE_AOT_DIR is set (`make test-aot`), the Native AOT <c>bootstrap</c> under that folder. Tracing
/// is on: the X-Ray recorder sends its segments over UDP to this test (<see cref="XRaySegmentsAsync"/>), as it would to Lambda's daemon.
/// </summary>
public sealed class LambdaFunction : IAsyncDisposable
{
    /// <summary>Set by `make test-aot`: the folder with one published Native AOT function per project.</summary>
    public const string NativeAotVariable = "SAMPLES_NATIVE_AOT_DIR";

    private readonly LambdaRuntimeApi runtimeApi;
    private readonly LambdaFunctionProcess process;
    private readonly UdpClient xray;
    private readonly ConcurrentQueue<string> segments = new();
    private readonly Task xrayReceiver;

    private LambdaFunction(LambdaRuntimeApi runtimeApi, LambdaFunctionProcess process, UdpClient xray)
    {
        this.runtimeApi = runtimeApi;
        this.process = process;
        this.xray = xray;
        xrayReceiver = ReceiveSegmentsAsync();
    }

    /// <summary>"managed" or "Native AOT": which build these tests run.</summary>
    public static string Build => NativeAotDirectory is null ? "managed" : "Native AOT";

    private static string? NativeAotDirectory => Environment.GetEnvironmentVariable(NativeAotVariable) is { Length: > 0 } directory ? directory : null;

    /// <summary>Every line the function wrote to stdout and stderr so far, in order.</summary>
    public IReadOnlyList<string> Output => process.Output;

    /// <summary>
    /// Every line the function wrote, once its output has settled: a line written before the answer to an event may
    /// still be in the pipe when the answer arrives, as CloudWatch Logs may receive it after the invocation ends.
    /// </summary>
    public Task<IReadOnlyList<string>> SettledOutputAsync() => SettledAsync(() => process.Output);

    /// <summary>The X-Ray segment documents the function sent (the JSON after the daemon protocol's header line), once settled.</summary>
    public Task<IReadOnlyList<string>> XRaySegmentsAsync() => SettledAsync(() => [.. segments]);

    /// <summary>Waits until nothing new has arrived for 300 ms (at most 5 s), then returns what arrived.</summary>
    private static async Task<IReadOnlyList<string>> SettledAsync(Func<IReadOnlyList<string>> read)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var seen = read();
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            var now = read();
            if (now.Count == seen.Count)
            {
                return now;
            }

            seen = now;
        }

        return seen;
    }

    /// <summary>The executable Lambda would start for <paramref name="project"/>: its managed assembly or its AOT bootstrap.</summary>
    public static string Executable(string project, string assembly) => NativeAotDirectory is { } directory
        ? Path.Combine(Path.GetFullPath(directory, RepositoryLayout.Root), project, "bootstrap")
        : Path.Combine(RepositoryLayout.ProjectDirectory(project), "bin", BuildConfiguration, "net10.0", assembly + ".dll");

    /// <summary>The configuration these tests were built in (bin/{Configuration}/net10.0/), which built the services too.</summary>
    private static string BuildConfiguration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static async Task<LambdaFunction> StartAsync(string project, string assembly, string functionName, IReadOnlyDictionary<string, string> environment)
    {
        var runtimeApi = await LambdaRuntimeApi.StartAsync($"arn:aws:lambda:us-east-1:000000000000:function:{functionName}");
        var xray = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)xray.Client.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The variables Lambda sets for its X-Ray daemon, pointed at this test's UDP port.
        var process = LambdaFunctionProcess.Start(runtimeApi, Executable(project, assembly), functionName, new Dictionary<string, string>(environment)
        {
            ["AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1:" + port,
            ["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR",
            ["_AWS_XRAY_DAEMON_ADDRESS"] = "127.0.0.1",
            ["_AWS_XRAY_DAEMON_PORT"] = port,
        });
        return new LambdaFunction(runtimeApi, process, xray);
    }

    /// <summary>
    /// The environment the template gives a web app's function: its own settings, DynamoDB (here DynamoDB Local), the
    /// Cognito pool, and Powertools' service name, metrics namespace and log level.
    /// </summary>
    public static async Task<Dictionary<string, string>> AppEnvironmentAsync(string service, IReadOnlyDictionary<string, string> settings, string authority = TestIssuer.Authority) =>
        new(settings)
        {
            ["DynamoDB__ServiceUrl"] = await DynamoDbEndpoint.UrlAsync(),
            ["Auth__Authority"] = authority,
            ["Auth__Audience"] = TestIssuer.ClientId,
            ["POWERTOOLS_SERVICE_NAME"] = service,
            ["POWERTOOLS_METRICS_NAMESPACE"] = "ServerlessSamples",
            ["POWERTOOLS_LOG_LEVEL"] = "Information",
        };

    /// <summary>Invokes the function with one event; the answer or the error it reported. A process that exits fails the test at once, with its output.</summary>
    public async Task<InvocationResult> InvokeAsync(JsonNode lambdaEvent, TimeSpan? timeout = null)
    {
        var invocation = runtimeApi.InvokeAsync(lambdaEvent.ToJsonString(), timeout ?? TimeSpan.FromSeconds(30));
        if (await Task.WhenAny(invocation, process.Exited) != invocation)
        {
            Assert.Fail($"The function's process exited (Runtime.ExitError):\n{string.Join('\n', Output.TakeLast(40))}");
        }

        return await invocation;
    }

    /// <summary>Invokes the function and returns its answer as JSON; fails the test when the function reported an error.</summary>
    public async Task<JsonObject> InvokeForAnswerAsync(JsonNode lambdaEvent)
    {
        var result = await InvokeAsync(lambdaEvent);
        Assert.True(result.Succeeded, $"The function reported {result.ErrorType}: {result.Payload}\n{string.Join('\n', Output.TakeLast(30))}");
        return JsonNode.Parse(result.Payload)!.AsObject();
    }

    /// <summary>
    /// For a function expected to fail its init: waits for its process to exit before any event (Lambda reports
    /// Runtime.ExitError and retries the init on the next request) and returns what it wrote.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExitOutputAsync(TimeSpan timeout)
    {
        await Task.WhenAny(process.Exited, runtimeApi.InitError, Task.Delay(timeout));
        Assert.True(process.HasExited || runtimeApi.InitError.IsCompleted, $"The function did not fail its init within {timeout.TotalSeconds:0} s:\n{string.Join('\n', Output.TakeLast(20))}");
        return await SettledOutputAsync();
    }

    private async Task ReceiveSegmentsAsync()
    {
        try
        {
            while (true)
            {
                var datagram = await xray.ReceiveAsync();
                var text = Encoding.UTF8.GetString(datagram.Buffer);
                segments.Enqueue(text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        await runtimeApi.DisposeAsync();
        xray.Dispose();
        await xrayReceiver;
    }
}
