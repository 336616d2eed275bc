using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;

namespace Samples.ServiceDefaults.Observability;

/// <summary>
/// Where a cold start's time goes, for `make bench`'s itemised init (bench/Bench/Bench.Startup.cs): named moments of
/// the start-up and of the first request, on the monotonic clock every process of the machine shares
/// (<see cref="Stopwatch.GetTimestamp"/>), so the bench can set them beside the moment it started the process. Off
/// unless SAMPLES_STARTUP_MARKS names a file: then each first occurrence of a mark is kept, and the list is written to
/// that file when the second request arrives, off the clock of the first. Off, a mark is one static read.
/// </summary>
public static class StartupMarks
{
    /// <summary>The file the marks go to, or null: off (always, in a deployed function).</summary>
    private static readonly string? Target = Environment.GetEnvironmentVariable("SAMPLES_STARTUP_MARKS") is { Length: > 0 } path ? path : null;

    private static readonly List<(string Name, long At)> Marks = [];
    private static int requests;

    /// <summary>Notes that <paramref name="name"/> happened now, the first time only (later requests pass it again).</summary>
    public static void Mark(string name)
    {
        if (Target is null)
        {
            return;
        }

        var at = Stopwatch.GetTimestamp();
        lock (Marks)
        {
            if (Volatile.Read(ref requests) < 2 && !Marks.Exists(mark => mark.Name == name))
            {
                Marks.Add((name, at));
            }
        }
    }

    /// <summary>After a SnapStart restore the marks start again, as the cold-start flag does (ColdStart.Rearm).</summary>
    public static void Rearm()
    {
        if (Target is null)
        {
            return;
        }

        lock (Marks)
        {
            Marks.Clear();
            Volatile.Write(ref requests, 0);
        }

        Mark("restored");
    }

    /// <summary>
    /// Marks the AWS SDK client's creation and, for each operation, its first request leaving and its first answer
    /// (the SDK's own request events, subscribed only when the marks are on).
    /// </summary>
    public static TClient Observe<TClient>(TClient client)
        where TClient : AmazonServiceClient
    {
        if (Target is null)
        {
            return client;
        }

        Mark("DynamoDB client created");
        client.BeforeRequestEvent += (_, e) => Mark($"{Operation(e)} sent");
        client.AfterResponseEvent += (_, e) => Mark($"{Operation(e)} answered");
        return client;
    }

    private static string Operation(EventArgs e) => (e switch
    {
        WebServiceRequestEventArgs request => request.Request?.GetType().Name,
        WebServiceResponseEventArgs response => response.Request?.GetType().Name,
        _ => null,
    } ?? "request").Replace("Request", "", StringComparison.Ordinal);

    /// <summary>
    /// Marks the first request's way through the pipeline at <paramref name="name"/>: a middleware added only when the
    /// marks are on, so the pipeline of a deployed function is the one it always was.
    /// </summary>
    public static IApplicationBuilder UseStartupMark(this IApplicationBuilder app, string name) =>
        Target is null ? app : app.Use(next => context =>
        {
            Mark(name);
            return next(context);
        });

    /// <summary>The first middleware when the marks are on: counts requests, and writes the marks when the second comes.</summary>
    internal static IApplicationBuilder UseStartupMarksWriter(this IApplicationBuilder app) =>
        Target is null ? app : app.Use(next =>
        {
            Mark("pipeline built");
            return async context =>
        {
            if (Interlocked.Increment(ref requests) == 2)
            {
                await WriteAsync(Target);
            }

            Mark("pipeline entered");
            await next(context);
            Mark("response written");
        };
        });

    private static async Task WriteAsync(string path)
    {
        var text = new StringBuilder();
        lock (Marks)
        {
            foreach (var (name, at) in Marks)
            {
                text.Append(at.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(name).Append('\n');
            }
        }

        await File.WriteAllTextAsync(path, text.ToString());
    }
}
