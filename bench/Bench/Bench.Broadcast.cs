using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Samples.Chat.Authorizer;
using Samples.Chat.Fanout;
using Samples.Chat.Rooms;
using Samples.ServiceDefaults.Authentication;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>One room size's chat delivery figures (milliseconds, sorted).</summary>
/// <param name="Clients">Connections in the room.</param>
/// <param name="SendToLastReceipt">From the sender's frame until every connection of the room has the message.</param>
/// <param name="SenderEvent">The sender's sendMessage event: what API Gateway waits for (its 29 s integration timeout).</param>
/// <param name="RoomDelivery">The fan-out's delivery of one message to the whole room: what the sender's event did before.</param>
internal sealed record ChatDelivery(int Clients, double[] SendToLastReceipt, double[] SenderEvent, double[] RoomDelivery);

/// <summary>Chat delivery (left out with the Chat service by `dotnet new --IncludeChat false`).</summary>
internal static partial class Bench
{
    /// <summary>API Gateway's Management API takes milliseconds per post; the stand-in waits this long on each.</summary>
    public static readonly TimeSpan PostLatency = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// Connections per user: a user's item holds an entry per connection (DynamoDB's 400 KB item limit caps it near
    /// 10,000, and each connection rewrites it), so a 10,000-member room is ten users; presence is announced once per user.
    /// </summary>
    private const int ConnectionsPerUser = 1000;

    /// <summary>The access key the fan-out's Management API client signs with (the stand-in accepts it, SignedBy).</summary>
    private const string FanOutAccessKey = "ASIALOCALFANOUT";

    /// <summary>
    /// Send to last receipt through the whole path, as under `make run`: clients on the WebSocket API stand-in (each post
    /// to /@connections held <see cref="PostLatency"/>), the published Chat app storing the message, the stream's event
    /// source mapping stand-in and the fan-out delivering it. The fan-out's time for the room is what one event spent
    /// when the sender's event delivered to the whole room itself (the same Broadcaster code).
    /// </summary>
    public static async Task<ChatDelivery> ChatDeliveryAsync(
        AppBinary chatDll, Dictionary<string, string> environment, string dynamoDbUrl, LocalIdentity identity, IReadOnlyList<string> tokens, int clients, int broadcasts)
    {
        var port = DynamoDbLocal.FreePort();
        var key = WebSocketGateway.NewIntegrationKey();
        var authorizer = new ChatAuthorizer(
            CognitoTokenValidator.Create(new CognitoAuthOptions { Authority = identity.Issuer, Audience = identity.ClientId }),
            NullLogger<ChatAuthorizer>.Instance);
        var api = new WebSocketApi(
            SamTemplate.Load().WebSocketActions("ChatApi"),
            async (query, token) => await authorizer.AuthorizeAsync(query, "local:$connect", token) is { IsAllowed: true } decision ? decision.Context : null,
            new IntegrationRequest(IntegrationHeaders.Key, IntegrationHeaders.ConnectionId, new Dictionary<string, string>
            {
                [IntegrationHeaders.UserId] = ChatAuthorizer.UserIdKey,
                [IntegrationHeaders.DisplayName] = ChatAuthorizer.DisplayNameKey,
            }));
        await using var webSocketApi = await WebSocketGateway.StartAsync(
            0, new Uri($"http://127.0.0.1:{port}/"), key, api, NullLoggerFactory.Instance, CancellationToken.None);
        webSocketApi.PostDelay = PostLatency;
        var senderEvents = new ConcurrentQueue<double>();
        webSocketApi.EventAnswered = (route, elapsed) =>
        {
            if (route == "sendMessage")
            {
                senderEvents.Enqueue(elapsed.TotalMilliseconds);
            }
        };

        // A user per ConnectionsPerUser connections (presence is announced once per user, so joining costs few
        // announcements), and limits no benchmark reaches: what is measured is delivery.
        var settings = new Dictionary<string, string>(environment)
        {
            ["Chat__ConnectionsEndpoint"] = webSocketApi.Url.ToString(),
            ["Chat__IntegrationKey"] = key,
            ["Chat__MaxConnectionsPerUser"] = "10000",
            ["Chat__SendRatePerSecond"] = "1000",
            ["Chat__SendBurst"] = "1000",
        };
        using var app = Apps.Start(chatDll, port, settings);
        using (var http = Apps.Client(port, null))
        {
            await Apps.WaitForOkAsync(http, "/health", TimeSpan.FromSeconds(60));
        }

        // The fan-out posts through the AWS SDK's Management API client, as in Lambda (SigV4 signing, standard retries):
        // without the integration key, its messenger is ManagementApiMessenger, with the credentials of the environment.
        webSocketApi.SignedBy = FanOutAccessKey;
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", FanOutAccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "local");
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        var fanOutSettings = settings.Where(pair => pair.Key != "Chat__IntegrationKey");
        using var fanOut = FanOutFunction.ConfigureServices(
            new ServiceCollection(),
            new ConfigurationBuilder().AddInMemoryCollection(fanOutSettings.Select(pair => new KeyValuePair<string, string?>(pair.Key.Replace("__", ":", StringComparison.Ordinal), pair.Value))).Build(),
            NullLoggerFactory.Instance).BuildServiceProvider();
        var invokeFanOut = StreamEventSourceMapping.InProcess((input, token) => FanOutFunction.InvokeAsync(fanOut, input, token));
        var roomDeliveries = new ConcurrentQueue<double>();
        await using var mapping = await StreamEventSourceMapping.StartAsync(dynamoDbUrl, settings["Chat__MessagesTableName"], async (json, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await invokeFanOut(json, cancellationToken);
            roomDeliveries.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return answer;
        }, NullLogger.Instance);

        // The room's clients in a process of their own (ChatClientSwarm.cs): a user per ConnectionsPerUser connections.
        var users = (clients + ConnectionsPerUser - 1) / ConnectionsPerUser;
        await using var swarm = await ChatClientSwarm.StartAsync(webSocketApi.WebSocketUrl, $"bench-{clients}-{Guid.NewGuid():N}", clients, users, tokens);
        try
        {
            var (latencies, senderTimes, roomTimes) = (new List<double>(), new List<double>(), new List<double>());
            for (var round = -2; round < broadcasts; round++) // two warm-up rounds
            {
                senderEvents.Clear();
                roomDeliveries.Clear();
                var elapsed = await swarm.SendAsync($"broadcast {round}");

                // The fan-out's invocation ends a moment after its last post was queued.
                for (var wait = 0; wait < 500 && roomDeliveries.IsEmpty; wait++)
                {
                    await Task.Delay(10);
                }

                if (round >= 0)
                {
                    latencies.Add(elapsed);
                    senderTimes.AddRange(senderEvents);
                    roomTimes.AddRange(roomDeliveries);
                }
            }

            var result = new ChatDelivery(clients, [.. latencies.Order()], [.. senderTimes.Order()], [.. roomTimes.Order()]);
            Console.WriteLine($"  {clients} clients: send to last receipt p50 {Stats.Median(result.SendToLastReceipt):F0} ms, "
                + $"sender's event p50 {Stats.Median(result.SenderEvent):F1} ms, the room's delivery p50 {Stats.Median(result.RoomDelivery):F0} ms");
            return result;
        }
        finally
        {
            app.Kill(entireProcessTree: true);
        }
    }
}

/// <summary>The chat section of docs/performance.md.</summary>
internal sealed partial class Report
{
    /// <summary>Chat delivery by room size.</summary>
    public List<ChatDelivery> Broadcasts { get; } = [];

    public const string ChatHeading = "## Chat delivery: the envelope before and after the stream fan-out";

    /// <summary>A message to a 5,000-member room, send to last receipt.</summary>
    public const double FiveThousandTargetMs = 2000;

    /// <summary>The sender's sendMessage event, in any room.</summary>
    public const double SenderEventTargetMs = 100;

    /// <summary>The chat section: written with the rest, or alone by `make bench-chat`.</summary>
    public string ChatSection()
    {
        var text = new StringBuilder();
        // What one event may spend: Chat's deadline inside API Gateway's 29 s, and the fan-out function's timeout.
        const double eventBudgetMs = 25_000, fanOutBudgetMs = 60_000;
        text.AppendLine(ChatHeading);
        text.AppendLine();
        var parallelism = new Samples.Chat.Rooms.ChatOptions().BroadcastParallelism;
        text.AppendLine("One client sends `sendMessage` to a room; the clock runs until every connection of the room, the sender's included, has");
        text.AppendLine($"it. Each post to `/@connections` is held {Bench.PostLatency.TotalMilliseconds:F0} ms by the WebSocket API stand-in, as API Gateway's Management");
        text.AppendLine($"API takes milliseconds; the fan-out posts through the AWS SDK's Management API client (`ManagementApiMessenger`: SigV4");
        text.AppendLine($"signing, standard retries), {parallelism} posts at once (`BroadcastParallelism`), one stream of members across the room");
        text.AppendLine("index's pages with the next page read ahead; DynamoDB Local answers the room index. The message goes through the");
        text.AppendLine("whole path: the published Chat app stores it, the stream's event source mapping stand-in (polling every 100 ms, as");
        text.AppendLine("Lambda polls a shard about four times a second) invokes the fan-out, which delivers it. Two warm-up messages are");
        text.AppendLine($"not counted. The floor is the room's posts at {parallelism} in flight: members × {Bench.PostLatency.TotalMilliseconds:F0} ms / {parallelism}. The room's");
        text.AppendLine("clients run in a process of their own (`bench/Bench/ChatClientSwarm.cs`), ten users with up to 1,000 connections each;");
        text.AppendLine("they join 16 at a time, which takes about 100 s for 10,000, and the clock runs in their process.");
        text.AppendLine();
        text.AppendLine("- **Before** (one event delivered to the whole room): the event took as long as the room's delivery, so a room");
        text.AppendLine($"  was capped by Chat's {eventBudgetMs / 1000:F0} s deadline inside API Gateway's 29 s integration timeout.");
        text.AppendLine("- **After**: the sender's event only stores the message, the same time in any room; the fan-out function");
        text.AppendLine($"  delivers within its own {fanOutBudgetMs / 1000:F0} s timeout, off the sender's path.");
        text.AppendLine();
        text.AppendLine($"| members | messages | send to last receipt p50 | p99 | target | floor | sender's event p50 (≤ {SenderEventTargetMs:F0} ms) | the room's delivery p50 | per member | posts a second | largest room in one fan-out |");
        text.AppendLine("| ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in Broadcasts)
        {
            var p99 = run.SendToLastReceipt[(int)Math.Ceiling(0.99 * run.SendToLastReceipt.Length) - 1];
            var perMember = Stats.Median(run.RoomDelivery) / run.Clients;
            var last = Stats.Median(run.SendToLastReceipt);
            var target = run.Clients == 5000 ? $"≤ {FiveThousandTargetMs / 1000:F0} s {(last <= FiveThousandTargetMs ? "met" : "not met")}" : "";
            var sender = Stats.Median(run.SenderEvent);
            text.AppendLine($"| {run.Clients:N0} | {run.SendToLastReceipt.Length} | {last:F0} ms | {p99:F0} ms | {target} | {run.Clients * Bench.PostLatency.TotalMilliseconds / parallelism:F0} ms | "
                + $"{sender:F1} ms {(sender <= SenderEventTargetMs ? "met" : "not met")} | {Stats.Median(run.RoomDelivery):F0} ms | {perMember * 1000:F0} µs | {1000 / perMember:N0} | "
                + $"{fanOutBudgetMs / perMember:N0} |");
        }

        text.AppendLine();
        text.AppendLine("What API Gateway allows: the Management API has no documented rate per connection; its calls count against the");
        text.AppendLine("account's API Gateway throttle, 10,000 requests a second with bursts of 5,000, shared by every REST, HTTP and WebSocket");
        text.AppendLine("API of the account in the Region (a quota AWS raises on request). A throttled post answers 429 and the SDK's client");
        text.AppendLine("retries it with backoff inside the post's 4 s deadline; a client whose buffer is full answers 410/LimitExceeded for");
        text.AppendLine("itself alone. \"Posts a second\" above is one fan-out's rate: keep rooms fanning out at once under the account's rate,");
        text.AppendLine("or lower `BroadcastParallelism`.");
        text.AppendLine();
        text.AppendLine("The largest rooms are the budget over the measured time per member; docs/chat-scale.md says what else limits a room");
        text.AppendLine("(API Gateway's rate of posts, Lambda concurrency, DynamoDB) and what to change at 10× and 100×.");
        return text.ToString();
    }
}
