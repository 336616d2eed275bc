using System.Diagnostics;
using System.Globalization;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>
/// Where one function's cold start goes: for each start, every mark's time (ms) since the process started, or, after a
/// SnapStart restore, since the restore. The marks are the function's own (SAMPLES_STARTUP_MARKS,
/// services/ServiceDefaults/Observability/StartupMarks.cs) and the Runtime API's: the first poll for an event (the end of
/// init), the event handed over, the answer received.
/// </summary>
internal sealed record StartupTimeline(string Function, string Build, List<Dictionary<string, double>> Starts)
{
    public const string ProcessStarted = "process started";
    public const string Restored = "restored";
    public const string InitDone = "first poll for an event (init ends)";
    public const string EventHandedOut = "event handed over";
    public const string Answered = "answer received";

    /// <summary>The median time of <paramref name="mark"/>, over the starts that have it.</summary>
    public double? At(string mark) => Starts.Where(start => start.ContainsKey(mark)).Select(start => start[mark]).ToList() is { Count: > 0 } times
        ? Stats.Median(times)
        : null;

    /// <summary>Every mark, in the order of its median time.</summary>
    public IEnumerable<string> Marks => Starts.SelectMany(start => start.Keys).Distinct().OrderBy(mark => At(mark));

    /// <summary>The first invocation alone: from the event handed over to the answer received (median).</summary>
    public double FirstInvocationMs => Stats.Median(Starts.Select(start => start[Answered] - start[EventHandedOut]).ToList());
}

internal static partial class Bench
{
    /// <summary>Cold starts with the start-up marks on, per function and build.</summary>
    public const int MarkedStarts = 5;

    /// <summary>
    /// <see cref="MarkedStarts"/> more cold starts of each function with its start-up marks on, kept apart from the
    /// measured ones so that the marks' own few writes are not in the headline figure; the functions take turns. After
    /// the first answer, a second event makes the function write its marks (off the first invocation's clock). With
    /// <paramref name="snapStart"/>, each environment starts as SnapStart starts one (AWS_LAMBDA_INITIALIZATION_TYPE
    /// snap-start): its before-snapshot warm-up requests run in init, the Runtime API's restore/next stands for the
    /// snapshot and its restore, and the marks count from the restore: what the warm-up left to the first request.
    /// </summary>
    public static async Task<List<StartupTimeline>> StartupAsync(IReadOnlyList<RuntimeFunction> functions, bool snapStart = false)
    {
        var starts = functions.ToDictionary(function => function.Name, _ => new List<Dictionary<string, double>>());
        for (var round = 0; round < MarkedStarts; round++)
        {
            foreach (var function in functions)
            {
                var marksFile = Path.Combine(Path.GetTempPath(), $"startup-marks-{Guid.NewGuid():N}.tsv");
                var environment = new Dictionary<string, string>(function.Environment) { ["SAMPLES_STARTUP_MARKS"] = marksFile };
                if (snapStart)
                {
                    environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start";
                }

                await using var runtimeApi = await LambdaRuntimeApi.StartAsync();
                var started = Stopwatch.GetTimestamp();
                await using var process = LambdaFunctionProcess.Start(runtimeApi, function.Binary.Path, function.Name, environment);
                var first = await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30));
                var answered = Stopwatch.GetTimestamp();
                Ok(function.Name, first, process);
                Ok(function.Name, await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30)), process);
                var origin = snapStart
                    ? runtimeApi.RestoreTimestamp is > 0 and var restored ? restored : throw new InvalidOperationException($"{function.Name} never asked to be restored.")
                    : started;
                var marks = new Dictionary<string, double>
                {
                    [snapStart ? StartupTimeline.Restored : StartupTimeline.ProcessStarted] = 0,
                    [StartupTimeline.EventHandedOut] = Stopwatch.GetElapsedTime(origin, first.HandedOutTimestamp).TotalMilliseconds,
                    [StartupTimeline.Answered] = Stopwatch.GetElapsedTime(origin, answered).TotalMilliseconds,
                };
                if (!snapStart)
                {
                    marks[StartupTimeline.InitDone] = Stopwatch.GetElapsedTime(origin, runtimeApi.FirstPollTimestamp).TotalMilliseconds;
                }

                foreach (var (name, at) in await ReadMarksAsync(function, marksFile, origin))
                {
                    marks[name] = snapStart && name == StartupTimeline.Restored ? 0 : at;
                }

                starts[function.Name].Add(marks);
            }
        }

        return [.. functions.Select(function => new StartupTimeline(function.Name, function.Build, starts[function.Name]))];
    }

    /// <summary>
    /// Where a warm invocation goes: in <see cref="MarkedStarts"/> environments of each function, after
    /// <see cref="RuntimeWarmUpInvocations"/> untimed events (as the warm figures), a pause for the JIT, and a hundred more
    /// events one after another, the next invocation is the one marked
    /// (SAMPLES_STARTUP_MARKS_INVOCATION), its times counted from the Runtime API handing its event over. The bare handler
    /// has no marks of its own: its row is the answer.
    /// </summary>
    public static async Task<List<StartupTimeline>> WarmInvocationAsync(IReadOnlyList<RuntimeFunction> functions)
    {
        const int InFlow = 100;
        var invocations = functions.ToDictionary(function => function.Name, _ => new List<Dictionary<string, double>>());
        for (var round = 0; round < MarkedStarts; round++)
        {
            foreach (var function in functions)
            {
                var marksFile = Path.Combine(Path.GetTempPath(), $"warm-marks-{Guid.NewGuid():N}.tsv");
                var environment = new Dictionary<string, string>(function.Environment)
                {
                    ["SAMPLES_STARTUP_MARKS"] = marksFile,
                    ["SAMPLES_STARTUP_MARKS_INVOCATION"] = (RuntimeWarmUpInvocations + InFlow + 1).ToString(CultureInfo.InvariantCulture),
                };
                await using var runtimeApi = await LambdaRuntimeApi.StartAsync();
                await using var process = LambdaFunctionProcess.Start(runtimeApi, function.Binary.Path, function.Name, environment);
                async Task InvokeAsync(int count)
                {
                    for (var i = 0; i < count; i++)
                    {
                        Ok(function.Name, await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30)), process);
                    }
                }

                await InvokeAsync(RuntimeWarmUpInvocations);
                await Task.Delay(TimeSpan.FromSeconds(1)); // the JIT's tier-1 compilations finish, as before the warm figures
                await InvokeAsync(InFlow); // the marked one comes in a steady flow of events, as the timed ones do, not after a pause
                var marked = await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30));
                var answered = Stopwatch.GetTimestamp();
                Ok(function.Name, marked, process);
                Ok(function.Name, await runtimeApi.InvokeAsync(function.Event().ToJsonString(), TimeSpan.FromSeconds(30)), process); // writes the marks
                var marks = new Dictionary<string, double>
                {
                    [StartupTimeline.EventHandedOut] = 0,
                    [StartupTimeline.Answered] = Stopwatch.GetElapsedTime(marked.HandedOutTimestamp, answered).TotalMilliseconds,
                };
                if (function.Name != "BareHandler")
                {
                    foreach (var (name, at) in await ReadMarksAsync(function, marksFile, marked.HandedOutTimestamp))
                    {
                        marks[name] = at;
                    }
                }

                invocations[function.Name].Add(marks);
            }
        }

        return [.. functions.Select(function => new StartupTimeline(function.Name, function.Build, invocations[function.Name]))];
    }

    /// <summary>The marks the function wrote, in ms since <paramref name="origin"/>; the file is deleted.</summary>
    private static async Task<List<(string Name, double At)>> ReadMarksAsync(RuntimeFunction function, string marksFile, long origin)
    {
        var lines = File.Exists(marksFile) ? await File.ReadAllLinesAsync(marksFile) : throw new InvalidOperationException($"{function.Name} wrote no start-up marks.");
        File.Delete(marksFile);
        return [.. lines.Select(line => line.Split('\t', 2))
            .Select(parts => (parts[1], Stopwatch.GetElapsedTime(origin, long.Parse(parts[0], CultureInfo.InvariantCulture)).TotalMilliseconds))];
    }
}
