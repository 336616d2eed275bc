using System.Collections.Concurrent;
using System.Diagnostics;

namespace Samples.StandIns;

/// <summary>
/// One Lambda execution environment on this machine: a function's process started as Lambda starts it, pointed at a
/// <see cref="LambdaRuntimeApi"/>. The managed build (runtime dotnet10, an executable assembly) runs as
/// <c>dotnet {Assembly}.dll</c>; a Native AOT build (provided.al2023) runs its <c>bootstrap</c>. The environment is
/// the one Lambda sets (function name, memory, log group, region, task root...), plus the function's own variables as
/// the template sets them. Everything the function writes to stdout or stderr is kept, line by line, as CloudWatch
/// Logs would keep it.
/// </summary>
public sealed class LambdaFunctionProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output;
    private readonly DirectoryInfo home;

    private LambdaFunctionProcess(Process process, ConcurrentQueue<string> output, DirectoryInfo home)
    {
        this.process = process;
        this.output = output;
        this.home = home;
    }

    /// <summary>Every line the function wrote so far, in order.</summary>
    public IReadOnlyList<string> Output => [.. output];

    public bool HasExited => process.HasExited;

    /// <summary>Completes when the process ends: a function that dies at start-up (Runtime.ExitError) is seen at once.</summary>
    public Task Exited => process.WaitForExitAsync();

    /// <summary>Resident memory of the process now (VmRSS): what Lambda's "Max Memory Used" reports at its peak.</summary>
    public long ResidentBytes => ChildProcess.ResidentBytes(process.Id);

    /// <summary>
    /// The resident memory split (/proc status RssAnon, RssFile): what the process allocated, and the pages of its
    /// executable and libraries it has touched. Both count in VmRSS.
    /// </summary>
    public (long Anonymous, long File) ResidentSplit => ChildProcess.ResidentSplit(process.Id);

    /// <summary>
    /// Starts the function whose entry point is <paramref name="executable"/>: <c>{Assembly}.dll</c> (managed) or
    /// <c>bootstrap</c> (Native AOT), with Lambda's environment and the function's own variables.
    /// </summary>
    public static LambdaFunctionProcess Start(
        LambdaRuntimeApi runtimeApi, string executable, string functionName, IReadOnlyDictionary<string, string> functionEnvironment)
    {
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"The function's build is missing: {executable}. Build it first (make build, or make publish-aot for bootstrap).", executable);
        }

        var native = Path.GetFileName(executable) == "bootstrap";
        var home = Directory.CreateTempSubdirectory("lambda-home-");
        var taskRoot = Path.GetDirectoryName(Path.GetFullPath(executable))!;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.HostAndPort,
            ["AWS_LAMBDA_FUNCTION_NAME"] = functionName,
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "1024",
            ["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + functionName,
            ["AWS_LAMBDA_LOG_STREAM_NAME"] = "2026/01/01/[$LATEST]" + Guid.NewGuid().ToString("N"),
            ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand",
            ["AWS_EXECUTION_ENV"] = native ? "AWS_Lambda_provided.al2023" : "AWS_Lambda_dotnet10",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_ACCESS_KEY_ID"] = "ASIALOCALFUNCTION",
            ["AWS_SECRET_ACCESS_KEY"] = "local",
            ["AWS_SESSION_TOKEN"] = "local",
            ["LAMBDA_TASK_ROOT"] = taskRoot,
            ["LAMBDA_RUNTIME_DIR"] = taskRoot,
            ["_HANDLER"] = native ? "bootstrap" : Path.GetFileNameWithoutExtension(executable),
            ["TZ"] = ":UTC",
            ["LANG"] = "en_US.UTF-8",
            // Every execution environment starts empty: nothing a previous run wrote under $HOME (a data protection
            // key ring, a cache) may hide what a cold start does.
            ["HOME"] = home.FullName,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (key, value) in functionEnvironment)
        {
            environment[key] = value;
        }

        var lines = new ConcurrentQueue<string>();
        var process = native
            ? ChildProcess.Start(executable, [], taskRoot, environment, lines.Enqueue)
            : ChildProcess.Start("dotnet", [executable], taskRoot, environment, lines.Enqueue);
        return new LambdaFunctionProcess(process, lines, home);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
        home.Delete(recursive: true);
    }
}
