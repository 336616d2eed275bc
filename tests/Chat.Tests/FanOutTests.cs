using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Observability;

namespace Samples.Chat.Tests;

/// <summary>
/// Delivery from the MessagesTable's stream: the local event source mapping (batches, partial failures, bisecting on a
/// function error, giving up) and the fan-out over a room larger than one page of the room index.
/// </summary>
public sealed class FanOutTests(SmallPagesChatApp app) : IClassFixture<SmallPagesChatApp>
{
    [Fact]
    public async Task A_room_larger_than_one_page_gets_each_message_once_on_every_connection()
    {
        await using var room = await RoomOfSeveralPagesAsync();
        var clients = room.Clients;

        using var metrics = new MetricsRecorder(app.FanOutServices);
        await clients[5].SendMessageAsync("to all pages");
        await clients[5].SendMessageAsync("and again"); // one connection's frames are events in order

        foreach (var client in clients)
        {
            Assert.Equal("to all pages", (await client.NextAsync("message"))?["text"]?.GetValue<string>());
            Assert.Equal("and again", (await client.NextAsync("message"))?["text"]?.GetValue<string>());
            Assert.Null(await client.NextAsync("message", TimeSpan.FromMilliseconds(100)));
        }

        Assert.Equal(2 * clients.Count, metrics.Total(Broadcaster.Metric.Deliveries));
    }

    [Fact]
    public async Task A_broadcast_cancelled_part_way_through_a_room_of_several_pages_stops_posting_and_ends_as_cancelled()
    {
        await using var room = await RoomOfSeveralPagesAsync();

        // Cancelled at the second page, while the read-ahead's Query for the next page may still be running: the
        // broadcast waits for it before it lets go of the pages (disposing an iterator mid-step would throw).
        using var cancel = new CancellationTokenSource();
        var messenger = new CancellingMessenger(cancel, after: SmallPagesChatApp.PageSize + 1);
        var services = app.FanOutServices;
        var broadcaster = new Broadcaster(
            messenger, services.GetRequiredService<ConnectionRepository>(), services.GetRequiredService<StaleConnections>(), services.GetRequiredService<BusinessMetrics>(),
            Options.Create(new ChatOptions { BroadcastParallelism = 1 }), NullLogger<Broadcaster>.Instance);
        var message = new ChatMessage(Guid.NewGuid().ToString("N"), room.Name, new Sender("member-0", "Member 0"), "cut short", DateTimeOffset.UtcNow);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => broadcaster.BroadcastAsync(message, cancel.Token));

        Assert.Equal(SmallPagesChatApp.PageSize + 1, messenger.Posts);
        Assert.Equal(room.Clients.Count, (await services.GetRequiredService<ConnectionRepository>().MembersAsync(room.Name, TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken)).Sum(page => page.Count));
    }

    /// <summary>A new room of three pages and two members of the room index, each member a client connected through the gateway.</summary>
    private async Task<Room> RoomOfSeveralPagesAsync()
    {
        var room = new Room("room-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            for (var i = 0; i < 3 * SmallPagesChatApp.PageSize + 2; i++)
            {
                room.Clients.Add(await app.ConnectAsync($"member-{i}-{Guid.NewGuid():N}", room.Name));
            }

            return room;
        }
        catch
        {
            await room.DisposeAsync();
            throw;
        }
    }

    private sealed class Room(string name) : IAsyncDisposable
    {
        public string Name => name;

        public List<ChatClient> Clients { get; } = [];

        public async ValueTask DisposeAsync()
        {
            foreach (var client in Clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Delivers, and cancels the broadcast once it has posted <c>after</c> times.</summary>
    private sealed class CancellingMessenger(CancellationTokenSource cancel, int after) : IConnectionMessenger
    {
        private int posts;

        public int Posts => Volatile.Read(ref posts);

        public Task<Delivery> PostAsync(string connectionId, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Interlocked.Increment(ref posts) == after)
            {
                cancel.Cancel();
            }

            return Task.FromResult(Delivery.Delivered);
        }

        public Task<bool> IsOpenAsync(string connectionId, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task CloseAsync(string connectionId, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public async Task A_partial_batch_failure_retries_from_the_failed_record_and_not_the_ones_before_it()
    {
        var table = await SeededTableAsync(10);
        var seen = new List<string>();
        var failedOnce = false;

        await using (var mapping = await StreamEventSourceMapping.StartAsync(await DynamoDbEndpoint.UrlAsync(), table, (json, _) =>
        {
            var records = Records(json);
            lock (seen)
            {
                seen.AddRange(records.Select(record => record.Id));
            }

            var failing = records.FirstOrDefault(record => record.Id == "m05" && !failedOnce);
            failedOnce |= failing is not null;
            return Task.FromResult(failing is null ? """{"batchItemFailures":[]}""" : $$"""{"batchItemFailures":[{"itemIdentifier":"{{failing.Sequence}}"}]}""");
        }, NullLogger.Instance, cancellationToken: TestContext.Current.CancellationToken))
        {
            await EventuallyAsync(() => seen.Count >= 15);
            Assert.Equal([10, 5], mapping.Invocations);
            Assert.Empty(mapping.Discarded);
        }

        Assert.Equal(["m00", "m01", "m02", "m03", "m04", "m05", "m06", "m07", "m08", "m09", "m05", "m06", "m07", "m08", "m09"], seen);
    }

    [Fact]
    public async Task A_function_error_halves_the_batch_until_only_the_poisoned_record_is_given_up()
    {
        var table = await SeededTableAsync(10);
        var delivered = new HashSet<string>();
        var settings = new StreamEventSourceMapping.Settings { MaximumRetryAttempts = 8 };

        await using var mapping = await StreamEventSourceMapping.StartAsync(await DynamoDbEndpoint.UrlAsync(), table, (json, _) =>
        {
            var records = Records(json);
            if (records.Any(record => record.Id == "m03"))
            {
                throw new InvalidOperationException("poisoned record"); // the function fails the whole invocation
            }

            lock (delivered)
            {
                delivered.UnionWith(records.Select(record => record.Id));
            }

            return Task.FromResult("""{"batchItemFailures":[]}""");
        }, NullLogger.Instance, settings, TestContext.Current.CancellationToken);

        await EventuallyAsync(() => mapping.Discarded.Count > 0 && delivered.Count == 9);
        Assert.Equal(["m03"], mapping.Discarded.Select(record => record["dynamodb"]!["NewImage"]!["id"]!["S"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 3).Select(i => $"m{i:00}"), delivered.Order(StringComparer.Ordinal));
        Assert.Equal(10, mapping.Invocations[0]);
        Assert.Contains(1, mapping.Invocations); // halved down to the one record
    }

    /// <summary>A MessagesTable of the test's own with <paramref name="count"/> items written, so their stream records wait.</summary>
    private static async Task<string> SeededTableAsync(int count)
    {
        var table = await TestTables.CreateAsync("MessagesTable");
        using var dynamoDb = await DynamoDbEndpoint.ClientAsync();
        for (var i = 0; i < count; i++)
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = table,
                Item = new() { ["room"] = new() { S = "lobby" }, ["id"] = new() { S = $"m{i:00}" } },
            }, TestContext.Current.CancellationToken);
        }

        return table;
    }

    private sealed record StreamRecord(string Id, string Sequence);

    private static List<StreamRecord> Records(string eventJson) =>
        [.. JsonNode.Parse(eventJson)!["Records"]!.AsArray().Select(record => new StreamRecord(
            record!["dynamodb"]!["NewImage"]!["id"]!["S"]!.GetValue<string>(),
            record["dynamodb"]!["SequenceNumber"]!.GetValue<string>()))];

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
