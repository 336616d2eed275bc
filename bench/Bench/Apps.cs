using System.Diagnostics;
using System.Net.Http.Headers;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>Starts published apps as processes and waits for their first 200.</summary>
internal static class Apps
{
    public static Process Start(string dll, int port, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static HttpClient Client(int port, string? token)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public static async Task<double> ColdStartAsync(string dll, string path, string? token, Dictionary<string, string> environment)
    {
        var port = DynamoDbLocal.FreePort();
        using var http = Client(port, token);
        var clock = Stopwatch.StartNew();
        using var process = Start(dll, port, environment);
        await WaitForOkAsync(http, path, TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed.TotalMilliseconds;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        return elapsed;
    }

    public static async Task WaitForOkAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(2);
        }

        throw new TimeoutException($"No 200 from {http.BaseAddress}{path} within {timeout}.");
    }
}
