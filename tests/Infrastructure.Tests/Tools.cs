using System.Diagnostics;

namespace Samples.Infrastructure.Tests;

/// <summary>Runs the Python tools the template tests need (cfn-lint, the SAM translator).</summary>
internal static class Tools
{
    public static Task<(int ExitCode, string Output)> RunAsync(string command, params string[] arguments) =>
        RunAsync(command, new Dictionary<string, string>(), arguments);

    public static async Task<(int ExitCode, string Output)> RunAsync(string command, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, await stdout + "\n" + await stderr);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"`{command}` is not on PATH. The template tests need Python 3 with cfn-lint and aws-sam-translator (pip install cfn-lint).", exception);
        }
    }
}
