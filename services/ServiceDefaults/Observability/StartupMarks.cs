using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;

namespace Samples.ServiceDefaults.Observability;

/// <summary>
/// Where a cold start's time goes, for `make bench`'s itemised init (bench/Bench/Bench.Startup.cs): named moments of
/// the start-up and of the first invocation, on the monotonic clock every process of the machine shares
/// (<see cref="Stopwatch.GetTimestamp"/>), so the bench can set them beside the moment it started the process. Off
/// unless SAMPLES_STARTUP_MARKS names a file: then each first occurrence of a mark is kept, and the list is written to
/// that file when the next invocation arrives, off the clock of the one marked. With SAMPLES_STARTUP_MARKS_INVOCATION=N
/// (N &gt; 1) only invocation N is marked: where a warm invocation goes. Off, a mark is one static read.
/// </summary>
public static class StartupMarks
{
    /// <summary>The file the marks go to, or null: off (always, in a deployed function).</summary>
    private static readonly string? Target = Environment.GetEnvironmentVariable("SAMPLES_STARTUP_MARKS") is { Length: > 0 } path ? path : null;

    /// <summary>The invocation marked: the first (with the start-up before it), or a later, warm one.</summary>
    private static readonly int Marked =
        int.TryParse(Environment.GetEnvironmentVariable("SAMPLES_STARTUP_MARKS_INVOCATION"), CultureInfo.InvariantCulture, out var invocation) && invocation > 1 ? invocation : 1;

    private static readonly List<(string Name, long At)> Marks = [];

    /// <summary>Invocations begun (events marshalled) since the process started, or since a SnapStart restore.</summary>
    private static int invocations;

    /// <summary>Notes that <paramref name="name"/> happened now, the first time only (later invocations pass it again).</summary>
    public static void Mark(string name)
    {
        if (Target is null)
        {
            return;
        }

        var at = Stopwatch.GetTimestamp();
        lock (Marks)
        {
            var current = Volatile.Read(ref invocations);
            if ((Marked == 1 ? current <= 1 : current == Marked) && !Marks.Exists(mark => mark.Name == name))
            {
                Marks.Add((name, at));
            }
        }
    }

    /// <summary>
    /// An invocation begins: its event has been marshalled into a request (LambdaHosting's PostMarshallItemsFeature).
    /// The one after the marked invocation writes the marks.
    /// </summary>
    public static void BeginInvocation()
    {
        if (Target is null)
        {
            return;
        }

        if (Interlocked.Increment(ref invocations) == Marked + 1)
        {
            Write(Target);
        }

        Mark("event marshalled");
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
            Volatile.Write(ref invocations, 0);
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

    /// <summary>The first middleware when the marks are on: where the pipeline starts and ends.</summary>
    internal static IApplicationBuilder UseStartupPipelineMarks(this IApplicationBuilder app) =>
        Target is null ? app : app.Use(next =>
        {
            Mark("pipeline built");
            return async context =>
            {
                Mark("pipeline entered");
                await next(context);
                Mark("response written");
            };
        });

    private static void Write(string path)
    {
        var text = new StringBuilder();
        lock (Marks)
        {
            foreach (var (name, at) in Marks)
            {
                text.Append(at.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(name).Append('\n');
            }
        }

        File.WriteAllText(path, text.ToString());
    }
}
