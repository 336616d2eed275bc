using System.Diagnostics;

namespace Samples.StandIns;

/// <summary>Starts the local stack's child processes with their output captured, never inherited.</summary>
public static class ChildProcess
{
    public static Process Start(
        string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, Action<string>? output = null)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start.");
        process.OutputDataReceived += (_, line) => { if (line.Data is { } text) { output?.Invoke(text); } };
        process.ErrorDataReceived += (_, line) => { if (line.Data is { } text) { output?.Invoke(text); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A process's resident memory now (VmRSS from /proc): what Lambda's "Max Memory Used" counts.</summary>
    public static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>RssAnon and RssFile of the process, in bytes.</summary>
    public static (long Anonymous, long File) ResidentSplit(int pid)
    {
        var status = File.ReadLines($"/proc/{pid}/status").ToList();
        long Kilobytes(string key) => long.Parse(
            status.First(line => line.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return (Kilobytes("RssAnon:"), Kilobytes("RssFile:"));
    }

    public static void EnsurePortIsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
        }
        catch (System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Port {port} is in use. Is another `make run`, `make demo` or `make bench` still running?");
        }
    }
}
