using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Samples.Chat;
using Samples.ServiceDefaults.Authentication;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>Chat broadcasts (left out with the Chat service by `dotnet new --IncludeChat false`).</summary>
internal static partial class Bench
{
    /// <summary>
    /// Send to last receipt: one client sends, every client of the room (the sender too) must receive it. The
    /// clients connect to the WebSocket API stand-in, which calls the published Chat app, as under `make run`.
    /// </summary>
    public static async Task<double[]> BroadcastAsync(
        AppBinary chatDll, Dictionary<string, string> environment, LocalIdentity identity, string token, int clients, int broadcasts)
    {
        var port = DynamoDbLocal.FreePort();
        var key = WebSocketGateway.NewIntegrationKey();
        var authorizer = new ChatAuthorizer(
            CognitoTokenValidator.Create(new CognitoAuthOptions { Authority = identity.Issuer, Audience = identity.ClientId }),
            NullLogger<ChatAuthorizer>.Instance);
        await using var webSocketApi = await WebSocketGateway.StartAsync(
            0, new Uri($"http://127.0.0.1:{port}/"), key, authorizer, NullLoggerFactory.Instance, CancellationToken.None);
        using var app = Apps.Start(chatDll, port, new Dictionary<string, string>(environment)
        {
            ["Chat__ConnectionsEndpoint"] = webSocketApi.Url.ToString(),
            ["Chat__IntegrationKey"] = key,
        });
        using (var http = Apps.Client(port, null))
        {
            await Apps.WaitForOkAsync(http, "/health", TimeSpan.FromSeconds(60));
        }

        var gateway = webSocketApi.WebSocketUrl;
        var room = "bench-" + clients;
        var sockets = new List<ChatSocketClient>();
        try
        {
            for (var i = 0; i < clients; i++)
            {
                sockets.Add(await ChatSocketClient.ConnectAsync(gateway, token, room, CancellationToken.None));
            }

            var latencies = new List<double>();
            for (var round = -2; round < broadcasts; round++) // two warm-up rounds
            {
                var text = $"broadcast {round}";
                var clock = Stopwatch.StartNew();
                await sockets[0].SendMessageAsync(text, CancellationToken.None);
                var received = await Task.WhenAll(sockets.Select(socket => socket.ReceiveAsync(TimeSpan.FromSeconds(30), CancellationToken.None, skipping: "presence")));
                var elapsed = clock.Elapsed.TotalMilliseconds;
                if (received.Any(frame => frame?["text"]?.GetValue<string>() != text))
                {
                    throw new InvalidOperationException($"A client missed broadcast {round}.");
                }

                if (round >= 0)
                {
                    latencies.Add(elapsed);
                }
            }

            var sorted = latencies.Order().ToArray();
            Console.WriteLine($"  {clients} clients: p50 {Stats.Median(latencies):F1} ms, p99 {sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1]:F1} ms");
            return sorted;
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }

            app.Kill(entireProcessTree: true);
        }
    }
}
