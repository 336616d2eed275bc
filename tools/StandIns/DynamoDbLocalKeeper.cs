using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;

namespace Samples.StandIns;

/// <summary>
/// Keeps a DynamoDB Local answering on one port with the template's tables, for `make run`. DynamoDB Local keeps
/// its tables in memory: when its process ends, a new one is started on the same port and the tables are created
/// again (also when an endpoint comes back empty); the services answer 503 meanwhile and recover on their next
/// request. A start that fails is retried with backoff (2 s doubling to 30 s) until DynamoDB answers. Whatever
/// answers on the port is used: if another process serves it, no second copy is started. Disposing stops the copy
/// this keeper started, and nothing it did throws on the way out.
/// </summary>
public sealed class DynamoDbLocalKeeper : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly int port;
    private readonly SamTemplate template;
    private readonly Action<string> log;
    private readonly Func<int, CancellationToken, Task<DynamoDbLocal>> start;
    private readonly TimeSpan interval;
    private readonly Func<TimeSpan, CancellationToken, Task> delay;
    private readonly CancellationTokenSource stopping = new();
    private DynamoDbLocal? owned;
    private Task watching = Task.CompletedTask;
    private string? lastReport;
    private bool provisioned;

    private DynamoDbLocalKeeper(int port, SamTemplate template, Action<string> log, Func<int, CancellationToken, Task<DynamoDbLocal>> start, TimeSpan interval, Func<TimeSpan, CancellationToken, Task> delay)
    {
        this.port = port;
        this.template = template;
        this.log = log;
        this.start = start;
        this.interval = interval;
        this.delay = delay;
    }

    public string ServiceUrl => $"http://127.0.0.1:{port}";

    /// <summary>How many times a DynamoDB Local was started, the first included.</summary>
    public int Starts { get; private set; }

    /// <summary>
    /// Starts DynamoDB Local with the template's tables (failing loudly if that first start fails), then watches it.
    /// </summary>
    /// <param name="port">The port DynamoDB Local is kept on.</param>
    /// <param name="template">Whose tables it keeps.</param>
    /// <param name="log">Where state changes are told.</param>
    /// <param name="cancellationToken">Cancels the first start.</param>
    /// <param name="start">How a copy is started (DynamoDbLocal.StartAsync unless a test says otherwise).</param>
    /// <param name="interval">How often the port is checked.</param>
    /// <param name="delay">How the wait before each check is waited (Task.Delay unless a test paces the checks itself).</param>
    public static async Task<DynamoDbLocalKeeper> StartAsync(
        int port, SamTemplate template, Action<string> log, CancellationToken cancellationToken,
        Func<int, CancellationToken, Task<DynamoDbLocal>>? start = null, TimeSpan? interval = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        var keeper = new DynamoDbLocalKeeper(port, template, log, start ?? ((p, c) => DynamoDbLocal.StartAsync(p, c)), interval ?? TimeSpan.FromSeconds(2), delay ?? Task.Delay);
        keeper.owned = await keeper.start(port, cancellationToken);
        keeper.Starts = 1;
        await keeper.EnsureTablesAsync(cancellationToken);
        keeper.watching = Task.Run(() => keeper.WatchAsync(keeper.stopping.Token), CancellationToken.None);
        return keeper;
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var wait = interval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await delay(wait, cancellationToken);
                wait = interval;
                if (owned is { HasExited: true })
                {
                    Report($"DynamoDB Local      stopped; starting it again on port {port} (empty: in-memory data is gone)");
                    await owned.DisposeAsync();
                    owned = null;
                }

                if (await AnswersAsync(cancellationToken))
                {
                    await EnsureTablesAsync(cancellationToken);
                    Report(owned is null
                        ? $"DynamoDB Local      another process answers on port {port}; using it (no second copy started)"
                        : $"DynamoDB Local      answering on port {port}");
                    continue;
                }

                if (owned is not null)
                {
                    Report($"DynamoDB Local      not answering on port {port} (frozen or busy); watching");
                    continue;
                }

                if (PortIsTaken())
                {
                    Report($"DynamoDB Local      port {port} is held by a process that does not answer as DynamoDB; waiting for it to go");
                    continue;
                }

                Report($"DynamoDB Local      starting on port {port}");
                owned = await start(port, cancellationToken);
                Starts++;
                await EnsureTablesAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The start failed (no Java, the port taken meanwhile, the jar gone...): try again, less and less often.
                wait = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, (wait == interval ? interval : wait).Ticks * 2));
                Report($"DynamoDB Local      could not be started ({exception.GetType().Name}: {exception.Message}); retrying in {wait.TotalSeconds:F0} s");
            }
        }
    }

    /// <summary>Creates the template's tables that are missing, and says so once per change.</summary>
    private async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        using var client = DynamoDbLocal.ProbeClient(ServiceUrl);
        var existing = (await client.ListTablesAsync(new ListTablesRequest(), cancellationToken)).TableNames ?? [];
        var missing = template.Tables.Select(table => table.LogicalId).Except(existing).ToList();
        foreach (var logicalId in missing)
        {
            await TableProvisioner.CreateAsync(client, template, logicalId, logicalId, cancellationToken);
        }

        if (provisioned && missing.Count > 0)
        {
            log($"DynamoDB Local      tables created again: {string.Join(", ", missing)}");
        }

        provisioned = true;
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        using var client = DynamoDbLocal.ProbeClient(ServiceUrl);
        try
        {
            await client.ListTablesAsync(new ListTablesRequest { Limit = 1 }, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private bool PortIsTaken()
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Logs a state once, not at every check: a line when it changes (the healthy state is said only after a problem).</summary>
    private void Report(string line)
    {
        if (line != lastReport && (lastReport is not null || !line.EndsWith($"answering on port {port}", StringComparison.Ordinal)))
        {
            log(line);
        }

        lastReport = line;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await watching;
        stopping.Dispose();
        if (owned is not null)
        {
            await owned.DisposeAsync();
        }
    }
}
