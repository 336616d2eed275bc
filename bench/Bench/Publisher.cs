using System.Diagnostics;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>A published app: a ReadyToRun assembly started with `dotnet`, or a Native AOT executable started as is.</summary>
internal sealed record AppBinary(string Path, bool Native)
{
    public ProcessStartInfo StartInfo() => Native
        ? new ProcessStartInfo(Path) { WorkingDirectory = System.IO.Path.GetDirectoryName(Path)! }
        : new ProcessStartInfo("dotnet", [Path]) { WorkingDirectory = System.IO.Path.GetDirectoryName(Path)! };

    /// <summary>What the function's package holds: the AOT executable, or every file the managed build publishes.</summary>
    public long PackageBytes => Native
        ? new FileInfo(Path).Length
        : new DirectoryInfo(System.IO.Path.GetDirectoryName(Path)!).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(file => file.Extension is not ".pdb" and not ".xml" and not ".dbg").Sum(file => file.Length);
}

/// <summary>
/// Publishes a project the way `sam build` packages a function: Release, framework-dependent ReadyToRun for the
/// managed runtime, or (native) the NativeAot=true build, one self-contained executable named bootstrap.
/// </summary>
internal static class Publisher
{
    /// <summary>Where <see cref="PublishAsync"/> would put the binary, for a run that does not use it.</summary>
    public static AppBinary Unpublished(string name, bool native) =>
        new(Path.Combine(Output(name, native), native ? "bootstrap" : name + ".dll"), native);

    private static string Output(string name, bool native) => Path.Combine(RepositoryLayout.StateDirectory, "bench", native ? name + "-aot" : name);

    public static async Task<AppBinary> PublishAsync(string project, string name, string configuration, bool native = false)
    {
        var output = Output(name, native);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "publish", project, "-c", configuration, "-r", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
            // Native AOT: the libraries' own trim warnings are judged by `make test-aot` (tools/publish-aot.sh); here only the binary matters.
            native ? "-p:NativeAot=true" : "--self-contained=false", native ? "-p:TreatWarningsAsErrors=false" : "-p:TreatWarningsAsErrors=true",
            "-o", output, "--nologo", "-v", "quiet",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"Publishing {name} ({(native ? "Native AOT" : "ReadyToRun")})...");
        using var process = Process.Start(start)!;
        var log = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? new AppBinary(Path.Combine(output, native ? "bootstrap" : name + ".dll"), native)
            : throw new InvalidOperationException($"dotnet publish {project} failed:\n{log}");
    }
}
