using System.Collections.Concurrent;
using Amazon.DynamoDBv2.Model;
using Samples.StandIns;

namespace Samples.Infrastructure.Tests;

/// <summary>
/// `make run`'s DynamoDB Local keeper on the bad day: a restart that fails is retried with backoff until DynamoDB
/// answers; another process answering on the port is used, never joined by a second copy; and it stops cleanly.
/// </summary>
public sealed class DynamoDbLocalKeeperTests
{
    private static readonly SamTemplate Template = SamTemplate.Load();

    [Fact]
    public async Task A_restart_that_fails_is_retried_until_DynamoDB_answers_again_with_its_tables_and_the_keeper_stops_cleanly()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = DynamoDbLocal.FreePort();
        var log = new ConcurrentQueue<string>();
        var started = new ConcurrentQueue<DynamoDbLocal>();
        var attempts = 0;
        async Task<DynamoDbLocal> StartAsync(int p, CancellationToken c)
        {
            // The first restart fails as a missing Java or a vanished jar would; the next one works.
            if (Interlocked.Increment(ref attempts) == 2)
            {
                throw new InvalidOperationException("java did not start (test).");
            }

            var local = await DynamoDbLocal.StartAsync(p, c);
            started.Enqueue(local);
            return local;
        }

        var keeper = await DynamoDbLocalKeeper.StartAsync(port, Template, log.Enqueue, cancel, StartAsync, TimeSpan.FromMilliseconds(500));
        try
        {
            await started.Single().DisposeAsync(); // DynamoDB Local dies

            await WaitUntilAsync(() => started.Count == 2, TimeSpan.FromSeconds(60));
            // The keeper says so once it has created the last table.
            await WaitUntilAsync(() => log.Any(line => line.Contains("tables created again", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

            Assert.Equal(Template.Tables.Count(), (await TablesAsync(keeper.ServiceUrl)).Count);
            Assert.Equal(3, attempts);
            Assert.Equal(2, keeper.Starts);
            Assert.Contains(log, line => line.Contains("could not be started (InvalidOperationException", StringComparison.Ordinal) && line.Contains("retrying in", StringComparison.Ordinal));
        }
        finally
        {
            await keeper.DisposeAsync(); // must not throw (it used to: "No process is associated with this object")
        }

        Assert.DoesNotContain(log, line => line.Contains("No process is associated", StringComparison.Ordinal));
        await Assert.ThrowsAnyAsync<Exception>(() => TablesAsync(keeper.ServiceUrl)); // the copy it started is stopped
    }

    [Fact]
    public async Task When_another_process_answers_on_the_port_the_keeper_uses_it_and_never_starts_a_second_copy()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = DynamoDbLocal.FreePort();
        var log = new ConcurrentQueue<string>();
        var started = new ConcurrentQueue<DynamoDbLocal>();
        async Task<DynamoDbLocal> StartAsync(int p, CancellationToken c)
        {
            var local = await DynamoDbLocal.StartAsync(p, c);
            started.Enqueue(local);
            return local;
        }

        // The test paces the keeper's checks: none runs until the other process answers on the port.
        var checks = new Checks();
        var keeper = await DynamoDbLocalKeeper.StartAsync(port, Template, log.Enqueue, cancel, StartAsync, delay: checks.WaitAsync);
        await using var other = await ReplaceOnSamePortAsync(started.Single(), port, cancel);
        try
        {
            await checks.RunAsync(1);
            Assert.Equal(Template.Tables.Count(), (await TablesAsync(other.ServiceUrl)).Count); // the keeper gave it the tables
            await checks.RunAsync(3); // more checks: still no second copy

            Assert.Equal(1, keeper.Starts);
            Assert.Single(started);
            Assert.Single(log, line => line.Contains("another process answers", StringComparison.Ordinal));
        }
        finally
        {
            await keeper.DisposeAsync();
        }

        Assert.Equal(Template.Tables.Count(), (await TablesAsync(other.ServiceUrl)).Count); // the other process is left alone
    }

    /// <summary>Stops the keeper's copy and starts another, outside the keeper, on the same port.</summary>
    private static async Task<DynamoDbLocal> ReplaceOnSamePortAsync(DynamoDbLocal keepers, int port, CancellationToken cancel)
    {
        await keepers.DisposeAsync();
        return await DynamoDbLocal.StartAsync(port, cancel);
    }

    private static async Task<List<string>> TablesAsync(string serviceUrl)
    {
        using var client = DynamoDbLocal.ProbeClient(serviceUrl);
        return (await client.ListTablesAsync(new ListTablesRequest(), TestContext.Current.CancellationToken)).TableNames ?? [];
    }

    /// <summary>The keeper's waits between checks, released one check at a time by the test.</summary>
    private sealed class Checks
    {
        private readonly SemaphoreSlim allowed = new(0);
        private int waits;
        private int released;

        /// <summary>The keeper's delay: it waits here until the test lets a check run.</summary>
        public Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref waits);
            return allowed.WaitAsync(cancellationToken);
        }

        /// <summary>Lets <paramref name="count"/> checks run, each to its end: returns once the keeper waits again after the last.</summary>
        public async Task RunAsync(int count)
        {
            await WaitUntilAsync(() => Volatile.Read(ref waits) == released + 1, TimeSpan.FromSeconds(60));
            released += count;
            allowed.Release(count);
            await WaitUntilAsync(() => Volatile.Read(ref waits) == released + 1, TimeSpan.FromSeconds(60));
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // not answering yet
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not reached within {timeout.TotalSeconds} s.");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
