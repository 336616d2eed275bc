using System.Diagnostics;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>Publishes a project the way `sam build` packages a function: Release, ReadyToRun, framework-dependent.</summary>
internal static class Publisher
{
    public static async Task<string> PublishAsync(string project, string name, string configuration)
    {
        var output = Path.Combine(RepositoryLayout.StateDirectory, "bench", name);
        var feedFile = Path.Combine(RepositoryLayout.StateDirectory, "restricted-feed");
        var restricted = File.Exists(feedFile) && (await File.ReadAllTextAsync(feedFile)).Trim() == "1";
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "publish", project, "-c", configuration, "-r", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
            "--self-contained", "false", "-p:PublishReadyToRun=true", $"-p:RestrictedFeed={(restricted ? "true" : "false")}",
            "-o", output, "--nologo", "-v", "quiet",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"Publishing {name} (ReadyToRun)...");
        using var process = Process.Start(start)!;
        var log = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? Path.Combine(output, name + ".dll")
            : throw new InvalidOperationException($"dotnet publish {project} failed:\n{log}");
    }
}
