using System.Text;

namespace Samples.Bench;

/// <summary>The section of docs/performance.md measured under the Lambda Runtime API, and its targets.</summary>
internal sealed partial class Report
{
    public const string RuntimeHeading = "## Under the Lambda Runtime API: init + first invocation, warm invocations, memory";

    /// <summary>Native AOT init + first invocation against the bare AOT handler (stretch: <see cref="AotInitStretch"/>).</summary>
    public const double AotInitTarget = 2.0;
    public const double AotInitStretch = 1.5;

    /// <summary>Resident memory of a Native AOT function after its first invocation.</summary>
    public const double AotMemoryTargetMb = 40;

    /// <summary>ReadyToRun init + first invocation against the bare ReadyToRun handler.</summary>
    public const double ReadyToRunInitTarget = 1.5;

    /// <summary>Warm p50 against the bare handler's, in both builds.</summary>
    public const double RuntimeWarmTarget = 1.2;

    /// <summary>What runs before each mark (services/ServiceDefaults/Observability/StartupMarks.cs, and the Runtime API's).</summary>
    private static readonly Dictionary<string, string> MarkMeanings = new(StringComparer.Ordinal)
    {
        ["Main entered"] = "the runtime starts and loads the program (the floor's first mark)",
        ["builder created"] = "the runtime starts, `Main`, `WebApplication.CreateSlimBuilder` (configuration, logging, the service collection)",
        ["service defaults added"] = "`AddServiceDefaults`: registrations (problem details, authentication, DynamoDB, CORS, health, OpenAPI)",
        ["Lambda event source added"] = "`AddIdempotencyKeys`, `AddAWSLambdaHosting` (the event source and its source-generated serializer)",
        ["Powertools logging set up"] = "Powertools logging: the logger provider and its formatter",
        ["X-Ray recorder set up"] = "the X-Ray recorder (configuration, sampling, the UDP emitter) and DynamoDB registered for tracing",
        ["Powertools metrics added"] = "Powertools metrics registered",
        ["host built"] = "the service's own registrations (options, repository, validation, JSON context) and `builder.Build()`",
        ["pipeline built"] = "`UseServiceDefaults`, the endpoints mapped, `app.Run`: the host's hosted services started, the middleware pipeline built",
        ["DynamoDB client requested"] = "the first service that needs the DynamoDB client is resolved",
        ["DynamoDB client created"] = "the DynamoDB client: its config, credentials, and the X-Ray handler with its AWS manifest",
        ["DescribeTable sent"] = "the start-up warm-up's DescribeTable leaves: endpoint rules, signing",
        ["DescribeTable answered"] = "DynamoDB answers the warm-up (a new connection)",
        [StartupTimeline.Restored] = "the snapshot restored: the after-restore hooks (the cold-start flag and these marks re-armed)",
        [StartupTimeline.InitDone] = "the runtime client asks for its first event: the init phase ends here",
        [StartupTimeline.EventHandedOut] = "the Runtime API hands over the event",
        ["event marshalled"] = "the event deserialized (source-generated JSON) and marshalled into an ASP.NET Core request",
        ["pipeline entered"] = "Powertools log keys and metrics middleware (start-up filters), the first request's service scope",
        ["routed"] = "correlation id, request log, exception handler, status pages, body limit, routing (endpoints built on the first match)",
        ["authorized"] = "request timeouts, CORS, authentication (the gateway's identity), authorization",
        ["endpoint reached"] = "the Idempotency-Key middleware",
        ["GetItem sent"] = "the endpoint: its delegate, parameter binding and validation, the repository, the SDK marshalling and signing the call",
        ["GetItem answered"] = "DynamoDB Local answers the read",
        ["response written"] = "the item mapped and written as JSON",
        [StartupTimeline.Answered] = "the response marshalled into API Gateway's shape and posted to the Runtime API",
    };

    /// <summary>The functions under the Lambda Runtime API, the bare handler floor first, per build.</summary>
    public List<RuntimeRun> Runtime { get; } = [];

    /// <summary>The same functions' itemised cold starts (their start-up marks on).</summary>
    public List<StartupTimeline> Startup { get; } = [];

    /// <summary>The services' managed builds started as SnapStart starts them: their first request after a restore.</summary>
    public List<StartupTimeline> SnapStart { get; } = [];

    /// <summary>One warm invocation of each function, marked, per build (the bare handler's only its answer).</summary>
    public List<StartupTimeline> WarmInvocations { get; } = [];

    private RuntimeRun Floor(string build) => Runtime.First(run => run.Function == "BareHandler" && run.Build == build);

    private static bool Native(string build) => build == "Native AOT";

    private (double Ratio, double Target, string Verdict) InitAgainstFloor(RuntimeRun run)
    {
        var ratio = run.ColdMedian / Floor(run.Build).ColdMedian;
        var target = Native(run.Build) ? AotInitTarget : ReadyToRunInitTarget;
        var verdict = ratio > target ? "not met"
            : Native(run.Build) && ratio <= AotInitStretch ? "met (stretch too)"
            : "met";
        return (ratio, target, verdict);
    }

    private (double Ratio, string Verdict) WarmAgainstFloor(RuntimeRun run)
    {
        var ratio = run.Warm.P50 / Floor(run.Build).Warm.P50;
        return (ratio, ratio <= RuntimeWarmTarget ? "met" : "not met");
    }

    private static string MemoryVerdict(RuntimeRun run) => !Native(run.Build) ? "–" : run.ResidentMedian <= AotMemoryTargetMb ? "met" : "not met";

    /// <summary>The section: the measured runs and their targets, then where each function's init and first invocation go.</summary>
    public string RuntimeSection()
    {
        var text = new StringBuilder();
        text.AppendLine(RuntimeHeading);
        text.AppendLine();
        text.AppendLine("Each function runs its real runtime client loop (Amazon.Lambda.RuntimeSupport) against a Runtime API served by");
        text.AppendLine("the bench (tools/StandIns/LambdaRuntimeApi.cs), started as Lambda starts it (`dotnet` for the ReadyToRun build,");
        text.AppendLine("`bootstrap` for Native AOT) and fed API Gateway's events: `GET /products/{id}` as HTTP API payload 2.0, `GET");
        text.AppendLine("/users/me` as REST payload 1.0 with the Cognito authorizer's claims. The floor is the bare handler");
        text.AppendLine("(bench/BareHandler): `LambdaBootstrapBuilder` and one `GetItem`, no ASP.NET Core, built the same way. Init + first");
        text.AppendLine($"invocation is the median of {Bench.RuntimeColdStarts} starts, process start to the first answer, the functions of a build");
        text.AppendLine($"taking turns; warm is {Bench.RuntimeWarmInvocations} invocations one after another in one environment, after {Bench.RuntimeWarmUpInvocations} untimed; memory is VmRSS after the");
        text.AppendLine("first invocation: what the process allocated plus the pages of its executable and libraries it touched.");
        text.AppendLine("Tracing is on (segments to a local UDP port, as to Lambda's X-Ray daemon). `make bench-runtime` measures this section alone.");
        text.AppendLine();
        text.AppendLine($"| function | build | init + first invocation | ÷ floor | target | warm p50 | warm p99 | warm p50 ÷ floor (≤ {RuntimeWarmTarget}) | memory after the first invocation (AOT ≤ {AotMemoryTargetMb:F0} MB) | of which allocated / mapped files |");
        text.AppendLine("| --- | --- | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in Runtime)
        {
            if (run.Function == "BareHandler")
            {
                text.AppendLine($"| BareHandler (floor) | {run.Build} | {run.ColdMedian:F0} ms | 1.00 | | {run.Warm.P50:F2} ms | {run.Warm.P99:F2} ms | 1.00 | {run.ResidentMedian:F0} MB | {run.AnonymousMedian:F0} / {run.FileMedian:F0} MB |");
                continue;
            }

            var (initRatio, initTarget, initVerdict) = InitAgainstFloor(run);
            var (warmRatio, warmVerdict) = WarmAgainstFloor(run);
            var memory = Native(run.Build) ? $"{run.ResidentMedian:F0} MB {MemoryVerdict(run)}" : $"{run.ResidentMedian:F0} MB";
            text.AppendLine($"| {run.Function} | {run.Build} | {run.ColdMedian:F0} ms | {initRatio:F2} | ≤ {initTarget:F1} {initVerdict} | {run.Warm.P50:F2} ms | "
                + $"{run.Warm.P99:F2} ms | {warmRatio:F2} {warmVerdict} | {memory} | {run.AnonymousMedian:F0} / {run.FileMedian:F0} MB |");
        }

        foreach (var build in Startup.Select(timeline => timeline.Build).Distinct())
        {
            var timelines = Startup.Where(timeline => timeline.Build == build && timeline.Function != "BareHandler").ToList();
            if (timelines.Count == 0)
            {
                continue;
            }

            var floor = Startup.FirstOrDefault(timeline => timeline.Build == build && timeline.Function == "BareHandler");
            text.AppendLine();
            text.AppendLine($"### Where the cold start goes: {build}");
            text.AppendLine();
            text.AppendLine($"The medians of {Bench.MarkedStarts} more starts of each with the start-up marks on (SAMPLES_STARTUP_MARKS,");
            text.AppendLine("services/ServiceDefaults/Observability/StartupMarks.cs): when each mark passed, in ms since the process started,");
            text.AppendLine("and in brackets the time since the mark above it. A row's work is what ran between the row above and it.");
            text.AppendLine();
            AppendTimelines(text, timelines, floor);
            if (floor?.At("Main entered") is { } main)
            {
                text.AppendLine();
                text.AppendLine($"The bare handler reaches `Main` at {main:F1} ms: the runtime's own start, the same for every function of this build.");
            }
        }

        if (SnapStart.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### SnapStart: what the before-snapshot warm-up leaves to the first request");
            text.AppendLine();
            text.AppendLine("Each service's managed build started as SnapStart starts it (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start): its");
            text.AppendLine("warm-up (`SnapStartWarmUp`: every route as API Gateway events, each five times) goes through its handler");
            text.AppendLine("during init, then the Runtime API's `restore/next` stands for the snapshot and its restore (which");
            text.AppendLine("Lambda adds and this machine cannot measure). Times count from the restore. A mark the warm-up reached is passed");
            text.AppendLine("again quickly; a large step is a path the warm-up did not take.");
            text.AppendLine();
            text.AppendLine("| function | first invocation, on demand | first invocation after a restore | warm p50 |");
            text.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var restored in SnapStart)
            {
                var onDemand = Startup.First(timeline => timeline.Function == restored.Function && timeline.Build == restored.Build);
                var warm = Runtime.First(run => run.Function == restored.Function && run.Build == restored.Build);
                text.AppendLine($"| {restored.Function} | {onDemand.FirstInvocationMs:F1} ms | {restored.FirstInvocationMs:F1} ms | {warm.Warm.P50:F2} ms |");
            }

            text.AppendLine();
            AppendTimelines(text, SnapStart, floor: null);
        }

        foreach (var build in WarmInvocations.Select(timeline => timeline.Build).Distinct())
        {
            var timelines = WarmInvocations.Where(timeline => timeline.Build == build && timeline.Function != "BareHandler").ToList();
            var floor = WarmInvocations.FirstOrDefault(timeline => timeline.Build == build && timeline.Function == "BareHandler");
            text.AppendLine();
            text.AppendLine($"### Where a warm invocation goes: {build}");
            text.AppendLine();
            text.AppendLine($"In {Bench.MarkedStarts} more environments of each, after {Bench.RuntimeWarmUpInvocations} untimed events as for the warm figures and a hundred more");
            text.AppendLine("in a steady flow, the next invocation alone is marked (SAMPLES_STARTUP_MARKS_INVOCATION): medians in ms since the Runtime");
            text.AppendLine("API handed its event over.");
            text.AppendLine("The bare handler's only row is its answer: the floor a warm invocation is compared with.");
            text.AppendLine();
            AppendTimelines(text, timelines, floor);
        }

        text.AppendLine();
        text.AppendLine(RuntimeReading);
        return text.ToString();
    }

    /// <summary>How to read the tables above: where the targets stand, and why, piece by piece.</summary>
    private const string RuntimeReading = """
        ### Reading the tables

        - **Native AOT, init.** The bare handler is `Main`, a DynamoDB client and `LambdaBootstrapBuilder`. A service adds,
          in order: a longer runtime start before `Main` (its executable is about three times the floor's: Powertools
          Tracing's Native AOT guidance roots AWSSDK.Core and the X-Ray recorder whole and trims partially), then
          `WebApplication.CreateSlimBuilder` (configuration sources, logging, the service collection), the registrations,
          `builder.Build()`, and the host's start: hosted services, the middleware pipeline built, the Lambda server and
          its runtime client. Those rows are ASP.NET Core's hosting itself; none of them is one of the service's own
          pieces, which each take well under a millisecond to register. Cut here: the data protection key the framework
          generated at start (about 5 ms), and the DynamoDB warm-up that ran beside the first request.
        - **Native AOT, first invocation.** From the event handed over to the answer the service takes about twice the
          floor's time: the marshalling into an ASP.NET Core request, the pipeline's first run (authentication's is its largest
          step), the first DynamoDB call's set-up with the X-Ray handler, and the JSON.
        - **Native AOT, memory.** "Mapped files" is mostly the executable's own pages, which the process touches as it runs:
          larger than the 40 MB target by itself, for the reason above. What the process allocates is a third of it.
        - **ReadyToRun.** Every row costs several times its Native AOT figure: code that ReadyToRun could not precompile
          (generic instantiations across assemblies, the AWS SDK's and the X-Ray recorder's reflection) is compiled by the
          JIT on first use, in init and again in the first request. SnapStart moves that out of the cold start.
        - **Warm, piece by piece.** In the marked warm invocation the service's own steps are tenths of a millisecond:
          the event marshalled in and the answer marshalled out (about 0.2 ms each), routing, authorization and the
          endpoint (about 0.1 ms each); the DynamoDB round trip is the floor's. One step stands out in ReadyToRun only:
          entering the pipeline, the Powertools log-keys and metrics middleware (`PowertoolsLogKeys`,
          `PowertoolsMetricsBridge`) with the request's service scope, about 0.8 ms where Native AOT takes under 0.1 ms.
          That middleware and the two marshallings are what the warm targets miss by. In AWS a DynamoDB call takes a few
          milliseconds rather than this machine's one, and the same fixed overhead is a smaller share of the floor.
        - **SnapStart.** The before-snapshot warm-up (`services/ServiceDefaults/SnapStartWarmUp.cs`) hands every route of
          the service to its own handler as API Gateway events, five times each, changing nothing: the event's JSON through
          the Lambda serializer, the marshalling, the authorizer's identity, routing, validation, the endpoint, the DynamoDB
          client with each route's call (a read, a conditional write that finds no item), problem details and the answer's
          JSON; and a found item's JSON, which no request can reach without writing one (a sample serialized the way an
          endpoint writes it). After a restore the first request runs that code warm; what is left is the network (a new
          connection to DynamoDB: the snapshot's are gone), the runtime client's first answer to the Runtime API, the
          mapping of a found item's attributes, and a write that succeeds. The restore itself, which Lambda adds, this
          machine cannot measure. The cold-start metric and log keys are the first request's by design.
        """;

    /// <summary>One row per mark, one column per function (the floor's last).</summary>
    private static void AppendTimelines(StringBuilder text, List<StartupTimeline> timelines, StartupTimeline? floor)
    {
        text.AppendLine("| mark | what ran up to it | " + string.Join(" | ", timelines.Select(timeline => timeline.Function)) + (floor is null ? "" : " | bare handler") + " |");
        text.AppendLine("| --- | --- | " + string.Join(" | ", timelines.Select(_ => "---:")) + (floor is null ? "" : " | ---:") + " |");
        var order = timelines[0];
        foreach (var mark in timelines.SelectMany(timeline => timeline.Marks).Distinct().OrderBy(mark => order.At(mark) ?? timelines.Select(timeline => timeline.At(mark)).Max()))
        {
            var cells = timelines.Select(timeline => Cell(timeline, mark));
            var floorCell = floor is null ? "" : " | " + (floor.At(mark) is { } at ? $"{at:F1}" : "");
            text.AppendLine($"| {mark} | {MarkMeanings.GetValueOrDefault(mark, "")} | {string.Join(" | ", cells)}{floorCell} |");
        }
    }

    private static string Cell(StartupTimeline timeline, string mark)
    {
        if (timeline.At(mark) is not { } at)
        {
            return "";
        }

        var before = timeline.Marks.TakeWhile(candidate => candidate != mark).LastOrDefault();
        return before is null || timeline.At(before) is not { } previous ? $"{at:F1}" : $"{at:F1} (+{at - previous:F1})";
    }

    /// <summary>Each function's targets under the runtime, met or not, for the console.</summary>
    public string RuntimeSummary() => string.Join(Environment.NewLine, Runtime.Where(run => run.Function != "BareHandler").Select(run =>
    {
        var (initRatio, initTarget, initVerdict) = InitAgainstFloor(run);
        var (warmRatio, warmVerdict) = WarmAgainstFloor(run);
        return $"{run.Function} {run.Build} under the runtime: init + first invocation {initRatio:F2}x the bare handler ({initVerdict}, target {initTarget}x); "
            + $"warm p50 {warmRatio:F2}x ({warmVerdict}, target {RuntimeWarmTarget}x); {run.ResidentMedian:F0} MB after the first invocation"
            + (Native(run.Build) ? $" ({MemoryVerdict(run)}, target {AotMemoryTargetMb} MB)" : "");
    }));

    /// <summary>Writes <paramref name="section"/> into docs/performance.md in place of the section under <paramref name="heading"/> (or at the end).</summary>
    public async Task ReplaceSectionAsync(string heading, string section)
    {
        var path = Path.Combine(Samples.StandIns.RepositoryLayout.Root, "docs", "performance.md");
        var written = await File.ReadAllTextAsync(path);
        var start = written.IndexOf("\n" + heading, StringComparison.Ordinal) is var at and >= 0 ? at + 1 : written.Length;
        var end = written.IndexOf("\n## ", start + 1, StringComparison.Ordinal) is var next and >= 0 ? next + 1 : written.Length;
        var rest = written[end..];
        await File.WriteAllTextAsync(path, written[..start].TrimEnd() + Environment.NewLine + Environment.NewLine + section.TrimEnd() + Environment.NewLine
            + (rest.Length > 0 ? Environment.NewLine + rest : ""));
        Console.WriteLine($"Wrote the section \"{heading.TrimStart('#', ' ')}\" of docs/performance.md.");
    }
}
