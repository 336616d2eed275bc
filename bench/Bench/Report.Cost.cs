using System.Text;

namespace Samples.Bench;

/// <summary>
/// What a request costs: the bench's measured durations and memory, priced with AWS's published on-demand prices. The
/// prices are inputs, not measurements: update <see cref="Prices"/> when AWS changes them.
/// </summary>
internal sealed partial class Report
{
    public const string CostHeading = "## What a request costs";

    /// <summary>
    /// AWS's published prices, us-east-1, as recorded here on the date below (per unit; "per million" prices divided
    /// out). Check them against AWS's pricing pages before relying on the figures.
    /// </summary>
    private static class Prices
    {
        public const string Region = "us-east-1 (N. Virginia)";
        public const string RecordedOn = "2026-12-07";
        public const double LambdaArmGbSecond = 0.0000133334; // arm64, the template's architecture; first tier
        public const double LambdaRequest = 0.20 / 1e6;
        public const double HttpApiRequest = 1.00 / 1e6; // first 300 million a month, per 512 KB
        public const double RestApiRequest = 3.50 / 1e6; // first 333 million a month
        public const double WebSocketMessage = 1.00 / 1e6; // first billion a month, per 32 KB, sent or received
        public const double WebSocketConnectionMinute = 0.25 / 1e6; // each connection, for as long as it is open
        public const double WriteRequestUnit = 0.625 / 1e6; // DynamoDB on demand: a write of up to 1 KB
        public const double ReadRequestUnit = 0.125 / 1e6; // a strongly consistent read of up to 4 KB, or two eventually consistent
    }

    /// <summary>Every other route of the services, warm, with its DynamoDB capacity (Bench.Routes.cs).</summary>
    public List<RouteRun> Routes { get; } = [];

    /// <summary>The template's function memory (Globals.Function.MemorySize), which the per-request figures are billed at.</summary>
    private const int ConfiguredMemoryMb = 1024;

    /// <summary>A connection record in the room index, for the fan-out's Query (read units per 4 KB, eventually consistent on an index).</summary>
    private const double ConnectionRecordKb = 0.2;

    private static double LambdaCost(double durationMs, int memoryMb) =>
        Math.Ceiling(durationMs) / 1000 * (memoryMb / 1024.0) * Prices.LambdaArmGbSecond + Prices.LambdaRequest;

    /// <summary>The section, from the runtime runs (durations, memory) and the chat runs (the fan-out's time per member).</summary>
    public string CostSection()
    {
        var text = new StringBuilder();
        text.AppendLine(CostHeading);
        text.AppendLine();
        text.AppendLine($"Priced with AWS's published on-demand prices for {Prices.Region}, as recorded on {Prices.RecordedOn} (bench/Bench/Report.Cost.cs holds");
        text.AppendLine($"them): Lambda arm64 ${Prices.LambdaArmGbSecond:0.0000000000} per GB-second and ${Prices.LambdaRequest * 1e6:F2} per million requests, HTTP API");
        text.AppendLine($"${Prices.HttpApiRequest * 1e6:F2} and REST API ${Prices.RestApiRequest * 1e6:F2} per million requests, WebSocket ${Prices.WebSocketMessage * 1e6:F2} per million messages");
        text.AppendLine($"(each post to a connection is one), DynamoDB on demand ${Prices.WriteRequestUnit * 1e6:F3} per million write and ${Prices.ReadRequestUnit * 1e6:F3} per million");
        text.AppendLine("read request units. Lambda bills each invocation's duration rounded up to the millisecond, at the function's memory");
        text.AppendLine($"({ConfiguredMemoryMb} MB in the template). Durations are this bench's warm p50s: on this machine DynamoDB Local answers in about a");
        text.AppendLine("millisecond, in AWS a call takes a few, so add a few ms per call; cold starts (init is billed too) come on top, at");
        text.AppendLine("the rate the function's traffic causes them. Free tiers are left out. The units and tiers are those of AWS's pricing");
        text.AppendLine("pages (aws.amazon.com/lambda/pricing, /api-gateway/pricing, /dynamodb/pricing/on-demand); check the amounts there before");
        text.AppendLine("relying on a figure, and change them in one place when AWS does.");
        text.AppendLine();
        text.AppendLine("Each route's DynamoDB units are measured: the bench calls it through a pass-through that asks DynamoDB for the");
        text.AppendLine("capacity each call consumed (`CapacityProxy`, bench/Bench/Bench.Routes.cs); writes include the Idempotency-Key's");
        text.AppendLine("record (POST) and the version check (PUT, DELETE). The reads are each service's main read, timed with the runtime");
        text.AppendLine($"figures above; the others are {Bench.RouteWarmInvocations} warm requests each after {Bench.RouteWarmUpInvocations} untimed.");
        text.AppendLine();
        text.AppendLine("| route | build | Lambda (duration at the configured memory) | API Gateway | DynamoDB (read, write units) | per million requests |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        var reads = Runtime.Where(run => run.Function != "BareHandler").Select(run => run.Function == "Users"
            ? new RouteRun(run.Function, run.Build, "GET /users/me (REST API)", true, run.Warm.LatenciesMs, 1, 0)
            : new RouteRun(run.Function, run.Build, "GET /products/{id} (HTTP API)", false, run.Warm.LatenciesMs, 1, 0)); // one strongly consistent GetItem under 4 KB
        foreach (var route in reads.Concat(Routes).OrderBy(route => route.Function, StringComparer.Ordinal).ThenBy(route => route.Build, StringComparer.Ordinal))
        {
            var lambda = LambdaCost(route.P50, ConfiguredMemoryMb);
            var gateway = route.RestApi ? Prices.RestApiRequest : Prices.HttpApiRequest;
            var dynamoDb = route.ReadUnits * Prices.ReadRequestUnit + route.WriteUnits * Prices.WriteRequestUnit;
            text.AppendLine($"| `{route.Route}` | {route.Build} | ${lambda * 1e6:F2} ({Math.Ceiling(route.P50):F0} ms) | ${gateway * 1e6:F2} | "
                + $"${dynamoDb * 1e6:F3} ({route.ReadUnits:0.##}, {route.WriteUnits:0.##}) | **${(lambda + gateway + dynamoDb) * 1e6:F2}** |");
        }

        //#if (IncludeChat)
        if (Broadcasts.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("A chat message: the sender's `sendMessage` (one WebSocket message in; the Chat function reads the connection, takes");
            text.AppendLine("from its token bucket with a conditional update and stores the message: 1 read and 2 write units), then the fan-out");
            text.AppendLine($"(one invocation per stream batch, at most one per message; its duration is the measured room delivery; it reads the room");
            text.AppendLine($"index, about {ConnectionRecordKb} KB a member, eventually consistent) and one WebSocket message out per member. Stream reads by Lambda are free.");
            text.AppendLine();
            text.AppendLine("| members | sender's event | fan-out Lambda | room index reads | WebSocket messages | per million chat messages |");
            text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var run in Broadcasts.Where(run => run.Clients is 100 or 5000 or 10000))
            {
                var sender = LambdaCost(Stats.Median(run.SenderEvent), ConfiguredMemoryMb) + Prices.WebSocketMessage + Prices.ReadRequestUnit + 2 * Prices.WriteRequestUnit;
                var fanOut = LambdaCost(Stats.Median(run.RoomDelivery), ConfiguredMemoryMb);
                var index = Math.Ceiling(run.Clients * ConnectionRecordKb / 4) * 0.5 * Prices.ReadRequestUnit;
                var posts = run.Clients * Prices.WebSocketMessage;
                text.AppendLine($"| {run.Clients:N0} | ${sender * 1e6:F2} | ${fanOut * 1e6:F2} | ${index * 1e6:F2} | ${posts * 1e6:N0} | **${(sender + fanOut + index + posts) * 1e6:N0}** |");
            }

            text.AppendLine();
            text.AppendLine($"On top of messages, API Gateway bills each open connection ${Prices.WebSocketConnectionMinute * 1e6:F2} per million connection-minutes: a member");
            text.AppendLine($"online eight hours a day costs ${8 * 60 * 30 * Prices.WebSocketConnectionMinute:F4} a month, whatever the room says.");
            text.AppendLine();
            text.AppendLine("The posts are the bill: a message to a room costs a WebSocket message per member, so a room's cost grows with its");
            text.AppendLine("size whatever the code does. The fan-out's own Lambda time is the next item; it is I/O bound (the posts' round trips),");
            text.AppendLine("so a smaller memory size costs less per message until its share of a vCPU makes the signing and JSON the bottleneck.");
        }

        //#endif

        text.AppendLine();
        text.AppendLine("### The memory size each function is best at");
        text.AppendLine();
        text.AppendLine("Lambda gives CPU in proportion to memory (a full vCPU at 1,769 MB). A warm API request here is mostly waiting on");
        text.AppendLine("DynamoDB, so its billed time barely shrinks with more CPU and its cost grows with the memory size; a cold start is");
        text.AppendLine("CPU work (the init phase is billed too) and shrinks with more CPU. The smallest size that holds the measured memory");
        text.AppendLine("with room for the GC is the cheapest per warm request; the template's 1,024 MB buys a shorter managed cold start.");
        text.AppendLine();
        text.AppendLine("| function | build | memory after the first invocation | smallest size with 2× headroom | per million warm requests there (Lambda only) | at 1,024 MB |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
        foreach (var run in Runtime.Where(run => run.Function != "BareHandler"))
        {
            var size = new[] { 128, 256, 512, 1024 }.First(candidate => candidate >= 2 * run.ResidentMedian);
            text.AppendLine($"| {run.Function} | {run.Build} | {run.ResidentMedian:F0} MB | {size} MB | ${LambdaCost(run.Warm.P50, size) * 1e6:F2} | ${LambdaCost(run.Warm.P50, ConfiguredMemoryMb) * 1e6:F2} |");
        }

        text.AppendLine();
        text.AppendLine("Native AOT fits the smallest sizes and starts fast at any of them: 256 MB (or 128 MB) is its best size. The managed");
        text.AppendLine("build fits 256 MB, but at a quarter of 1,024 MB's CPU its JIT-bound cold start takes about four times as long; with");
        text.AppendLine("SnapStart the restore replaces most of that, and 256–512 MB is the better trade.");
        return text.ToString();
    }
}
