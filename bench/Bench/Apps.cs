using System.Diagnostics;
using System.Net.Http.Headers;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>One cold start: milliseconds to the first 200, and resident memory then.</summary>
internal sealed record ColdSample(double Ms, double ResidentMb);

/// <summary>Starts published apps as processes and waits for their first 200.</summary>
internal static class Apps
{
    public static Process Start(AppBinary app, int port, Dictionary<string, string> environment)
    {
        var start = app.StartInfo();
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
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

    /// <summary>One request of a warm load: GET <paramref name="path"/>, read the whole body, and it must be a 2xx.</summary>
    public static Func<Task> Get(HttpClient http, string path) => async () =>
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
    };

    /// <summary>Process start to the first 200 of <paramref name="path"/>, and the process's resident memory right after it.</summary>
    public static async Task<ColdSample> ColdStartAsync(AppBinary app, string path, string? token, Dictionary<string, string> environment)
    {
        var port = DynamoDbLocal.FreePort();
        using var http = Client(port, token);
        var clock = Stopwatch.StartNew();
        using var process = Start(app, port, environment);
        await WaitForOkAsync(http, path, TimeSpan.FromSeconds(60));
        var elapsed = clock.Elapsed.TotalMilliseconds;
        var residentMb = ChildProcess.ResidentBytes(process.Id) / 1024.0 / 1024.0;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        return new ColdSample(elapsed, residentMb);
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
