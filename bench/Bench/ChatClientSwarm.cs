using System.Diagnostics;
using System.Globalization;
using Samples.StandIns;

namespace Samples.Bench;

/// <summary>
/// A room's WebSocket clients in a process of their own, as members are on their own machines. A connection is two
/// sockets on this machine, the client's and the gateway stand-in's; in one process a 10,000-member room needs more
/// than 20,000 open files, a limit some machines set (this one among them). The bench starts this same executable with
/// <c>--chat-clients</c> and talks to it a line at a time: it answers <c>ready</c> once the room is full, and to each
/// <c>send TEXT</c> the milliseconds from the first client's send until every client had that message.
/// </summary>
internal sealed class ChatClientSwarm : IAsyncDisposable
{
    /// <summary>Handshakes in flight while a room fills, as members join a busy room.</summary>
    private const int ConcurrentHandshakes = 16;

    private readonly Process process;

    private ChatClientSwarm(Process process) => this.process = process;

    /// <summary>
    /// Starts the clients' process and waits until all <paramref name="clients"/> are in <paramref name="room"/>, through
    /// <paramref name="gateway"/>. The first <paramref name="users"/> of <paramref name="tokens"/> are the members:
    /// connection i is user i mod users, so a user's connections are spread over the set-up.
    /// </summary>
    public static async Task<ChatClientSwarm> StartAsync(Uri gateway, string room, int clients, int users, IReadOnlyList<string> tokens)
    {
        var tokensFile = Path.Combine(RepositoryLayout.StateDirectory, "bench", $"tokens-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(tokensFile)!);
        await File.WriteAllLinesAsync(tokensFile, tokens.Take(users));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { typeof(ChatClientSwarm).Assembly.Location, "--chat-clients", gateway.ToString(), room, clients.ToString(CultureInfo.InvariantCulture), tokensFile })
        {
            start.ArgumentList.Add(argument);
        }

        var swarm = new ChatClientSwarm(Process.Start(start)!);
        try
        {
            await swarm.ExpectAsync("ready");
        }
        finally
        {
            File.Delete(tokensFile);
        }

        return swarm;
    }

    /// <summary>Sends <paramref name="text"/> from the first client; the milliseconds until the whole room had it.</summary>
    public async Task<double> SendAsync(string text)
    {
        await process.StandardInput.WriteLineAsync("send " + text);
        await process.StandardInput.FlushAsync();
        var answer = await ExpectAsync("received ");
        return double.Parse(answer["received ".Length..], CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await process.StandardInput.WriteLineAsync("quit");
            await process.StandardInput.FlushAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
    }

    /// <summary>The clients' side: <c>--chat-clients GATEWAY ROOM CLIENTS TOKENS_FILE</c>.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (gateway, room, clients, tokens) = (new Uri(args[1]), args[2], int.Parse(args[3], CultureInfo.InvariantCulture), await File.ReadAllLinesAsync(args[4]));
        var sockets = new ChatSocketClient[clients];
        try
        {
            var setUp = Stopwatch.StartNew();
            var connected = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = ConcurrentHandshakes }, async (i, cancellationToken) =>
            {
                sockets[i] = await ChatSocketClient.ConnectAsync(gateway, tokens[i % tokens.Length], room, cancellationToken);
                if (Interlocked.Increment(ref connected) % 1000 == 0)
                {
                    await Console.Error.WriteLineAsync($"    {connected} of {clients} connected in {setUp.Elapsed.TotalSeconds:F0} s");
                }
            });
            Console.WriteLine("ready");
            while (await Console.In.ReadLineAsync() is { } command && command.StartsWith("send ", StringComparison.Ordinal))
            {
                var text = command["send ".Length..];
                var clock = Stopwatch.StartNew();
                await sockets[0].SendMessageAsync(text, CancellationToken.None);
                var received = await Task.WhenAll(sockets.Select(socket => socket.ReceiveAsync(TimeSpan.FromSeconds(120), CancellationToken.None, skipping: "presence")));
                var elapsed = clock.Elapsed.TotalMilliseconds;
                var missed = received.Count(frame => frame?["text"]?.GetValue<string>() != text);
                Console.WriteLine(missed == 0 ? $"received {elapsed.ToString("F1", CultureInfo.InvariantCulture)}" : $"missed by {missed} clients");
            }

            return 0;
        }
        finally
        {
            foreach (var socket in sockets.Where(socket => socket is not null))
            {
                await socket.DisposeAsync();
            }
        }
    }

    /// <summary>The clients' next line, which must start with <paramref name="prefix"/>.</summary>
    private async Task<string> ExpectAsync(string prefix)
    {
        var line = await process.StandardOutput.ReadLineAsync();
        return line?.StartsWith(prefix, StringComparison.Ordinal) == true
            ? line
            : throw new InvalidOperationException($"The chat clients answered \"{line ?? "nothing (exited)"}\", not \"{prefix.Trim()}\".");
    }
}
