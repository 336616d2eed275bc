using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Data;

namespace Samples.Chat.Tests;

/// <summary>
/// What makes the broadcaster a chat, through the stand-in gateway as a browser meets it: names, the room's history,
/// presence once per user, the members list, and a fair send rate per connection.
/// </summary>
public sealed class ChatRoomTests(ChatApp app) : IClassFixture<ChatApp>
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private static string Room() => "room-" + Guid.NewGuid().ToString("N")[..12];

    private static string User(string name) => $"{name}-{Guid.NewGuid():N}";

    private static string Text(JsonNode? message) => message!["text"]!.GetValue<string>();

    [Fact]
    public async Task Members_are_shown_by_the_name_in_their_token_never_by_the_cognito_username()
    {
        var room = Room();
        var sub = Guid.NewGuid().ToString();
        var token = TestIssuer.Token(sub, email: "ada.lovelace@example.com", profile: new Dictionary<string, object> { ["cognito:username"] = sub });
        await using var ada = await app.ConnectWithTokenAsync(token, room);

        await ada.SendMessageAsync("hello");

        var message = await ada.ReceiveAsync();
        Assert.Equal(sub, message!["from"]!["userId"]!.GetValue<string>());
        Assert.Equal("ada.lovelace", message["from"]!["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_member_who_asks_gets_the_rooms_latest_messages_oldest_first_and_pages_back_to_the_first()
    {
        var room = Room();
        await using (var ada = await app.ConnectAsync(User("ada"), room))
        {
            await SeedAsync(room, "ada", count: 120);
        }

        await using var bob = await app.ConnectAsync(User("bob"), room);
        var pages = await HistoryPagesAsync(bob);

        Assert.All(pages, page => Assert.Equal(["history", room], new[] { page["type"], page["room"] }.Select(node => node!.GetValue<string>())));
        Assert.Equal([50, 50, 20], pages.Select(page => page["messages"]!.AsArray().Count));
        var texts = pages.AsEnumerable().Reverse().SelectMany(page => page["messages"]!.AsArray().Select(Text)).ToList();
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"message {i:000}"), texts);
    }

    [Fact]
    public async Task A_history_of_long_messages_is_cut_to_fit_one_websocket_message_and_pages_on_from_the_cut()
    {
        var room = Room();
        // '<' is escaped in JSON (\u003C): 4,000 of them are 24 KB on the wire, so 50 would be 1.2 MB.
        await SeedAsync(room, "ada", count: 12, text: i => $"{i:00}" + new string('<', 3998));
        await using var bob = await app.ConnectAsync(User("bob"), room);

        var pages = await HistoryPagesAsync(bob);

        Assert.True(pages.Count > 1, "the first page holds every message");
        Assert.All(pages, page => Assert.InRange(Encoding.UTF8.GetByteCount(page.ToJsonString()), 1, 128 * 1024));
        Assert.All(pages, page => Assert.NotEmpty(page["messages"]!.AsArray()));
        var texts = pages.AsEnumerable().Reverse().SelectMany(page => page["messages"]!.AsArray().Select(message => Text(message)[..2]));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"{i:00}"), texts);
    }

    [Fact]
    public async Task Joining_a_room_answers_joined_then_its_history()
    {
        var (from, to) = (Room(), Room());
        await SeedAsync(to, "cyd", count: 3);
        await using var ada = await app.ConnectAsync(User("ada"), from);

        await ada.SendAsync(new JsonObject { ["action"] = "joinRoom", ["room"] = to }.ToJsonString());

        Assert.Equal("joined", (await ada.NextAsync("joined"))!["type"]!.GetValue<string>());
        var history = (await ada.NextAsync("history"))!;
        Assert.Equal(["message 000", "message 001", "message 002"], history["messages"]!.AsArray().Select(Text));
    }

    [Fact]
    public async Task A_history_of_an_empty_room_is_an_empty_page_and_a_bad_cursor_is_an_error_frame()
    {
        await using var ada = await app.ConnectAsync(User("ada"), Room());

        await ada.SendAsync("""{"action":"history"}""");
        var empty = (await ada.ReceiveAsync())!;
        await ada.SendAsync("""{"action":"history","before":"not-an-id"}""");
        var refused = (await ada.ReceiveAsync())!;

        Assert.Empty(empty["messages"]!.AsArray());
        Assert.Null(empty["before"]);
        Assert.Equal(["error", "invalid_frame"], new[] { refused["type"], refused["code"] }.Select(node => node!.GetValue<string>()));
    }

    [Fact]
    public async Task A_user_with_two_tabs_joins_once_and_leaves_when_the_last_tab_closes()
    {
        var room = Room();
        var bobId = User("bob");
        await using var ada = await app.ConnectAsync(User("ada"), room);

        var tab1 = await app.ConnectAsync(bobId, room);
        var tab2 = await app.ConnectAsync(bobId, room);
        var joined = await PresenceAsync(ada);
        Assert.Null(await PresenceAsync(ada, Quiet)); // the second tab is not a second arrival

        await tab1.DisposeAsync();
        Assert.Null(await PresenceAsync(ada, Quiet)); // one tab is still open
        await tab2.DisposeAsync();
        var left = await PresenceAsync(ada);

        Assert.Equal(["presence", room, "joined", bobId, bobId], Describe(joined));
        Assert.Equal(["presence", room, "left", bobId, bobId], Describe(left));
    }

    [Fact]
    public async Task Moving_to_another_room_is_leaving_one_and_joining_the_other()
    {
        var (from, to) = (Room(), Room());
        var adaId = User("ada");
        await using var bob = await app.ConnectAsync(User("bob"), from);
        await using var cyd = await app.ConnectAsync(User("cyd"), to);
        await using var ada = await app.ConnectAsync(adaId, from);
        Assert.Equal("joined", (await PresenceAsync(bob))!["event"]!.GetValue<string>());

        await ada.SendAsync(new JsonObject { ["action"] = "joinRoom", ["room"] = to }.ToJsonString());

        Assert.Equal(["presence", from, "left", adaId, adaId], Describe(await PresenceAsync(bob)));
        Assert.Equal(["presence", to, "joined", adaId, adaId], Describe(await PresenceAsync(cyd)));
    }

    [Fact]
    public async Task Members_lists_each_user_of_the_room_once_by_name()
    {
        var room = Room();
        var (adaId, bobId) = (User("ada"), User("bob"));
        await using var ada = await app.ConnectAsync(adaId, room);
        await using var bob1 = await app.ConnectAsync(bobId, room);
        await using var bob2 = await app.ConnectAsync(bobId, room);
        await using var elsewhere = await app.ConnectAsync(User("cyd"), Room());

        await ada.SendAsync("""{"action":"members"}""");
        var members = (await ada.ReceiveAsync())!;

        Assert.Equal(["members", room], new[] { members["type"], members["room"] }.Select(node => node!.GetValue<string>()));
        Assert.Equal([adaId, bobId], members["members"]!.AsArray().Select(member => member!["userId"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(members["members"]!.AsArray(), member => Assert.Equal(member!["userId"]!.GetValue<string>(), member["displayName"]!.GetValue<string>()));
        Assert.False(members["truncated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_flooding_sender_is_told_to_wait_and_nothing_over_its_allowance_is_stored_or_broadcast()
    {
        var room = Room();
        await using var ada = await app.ConnectAsync(User("ada"), room);
        await using var bob = await app.ConnectAsync(User("bob"), room);

        for (var i = 0; i < 40; i++)
        {
            await ada.SendMessageAsync($"flood {i}");
        }

        var answers = new List<JsonObject>();
        while (await ada.ReceiveAsync(TimeSpan.FromSeconds(2)) is { } answer)
        {
            answers.Add(answer);
        }

        var limited = answers.Where(answer => answer["code"]?.GetValue<string>() == "rate_limited").ToList();
        var sent = answers.Where(answer => answer["type"]!.GetValue<string>() == "message").Select(Text).ToList();
        Assert.Equal(40, limited.Count + sent.Count);
        Assert.InRange(sent.Count, 10, 39); // the burst of 10 at least, and not all 40
        Assert.All(limited, answer => Assert.InRange(answer["retryAfterMs"]!.GetValue<long>(), 1, 200)); // 5 a second: a token every 200 ms
        var received = new List<string>();
        while (await bob.ReceiveAsync(Quiet) is { } frame)
        {
            received.Add(Text(frame));
        }

        Assert.Equal(sent, received);
        Assert.Equal(sent.Count, (await TestTables.SnapshotAsync(app.MessagesTable)).Count(item => item.Contains($"room={room}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Concurrent_takes_from_one_connections_allowance_never_exceed_it()
    {
        var room = Room();
        await using var ada = await app.ConnectAsync(User("ada"), room);
        var connectionId = await ConnectionIdInAsync(room);
        var frozen = new FrozenClock(DateTimeOffset.UtcNow.AddMinutes(1)); // no refill during the test
        using var dynamoDb = await DynamoDbEndpoint.ClientAsync();
        var options = Options.Create(new ChatOptions { TableName = app.Table, SendBurst = 10, SendRatePerSecond = 5 });
        // Two "environments" with their own repositories, as concurrent Lambda instances would be.
        var environments = new[] { new ConnectionRepository(dynamoDb, options, frozen), new ConnectionRepository(dynamoDb, options, frozen) };

        async Task<bool> TakeAsync(int i)
        {
            var repository = environments[i % 2];
            var connection = await repository.GetAsync(connectionId, TestContext.Current.CancellationToken);
            return await repository.TakeSendTokenAsync(connection!, WriteToken.New(frozen.GetUtcNow()), TestContext.Current.CancellationToken) == TimeSpan.Zero;
        }

        var concurrent = (await Task.WhenAll(Enumerable.Range(0, 30).Select(TakeAsync))).Count(passed => passed);
        var afterwards = 0;
        while (afterwards < 20 && await TakeAsync(afterwards))
        {
            afterwards++;
        }

        // The bucket held 10 (it is never fuller) and the frozen clock refills nothing: 10 pass in all, however
        // the 30 racing takes shared them out, and none is lost to a race.
        Assert.InRange(concurrent, 1, 10);
        Assert.Equal(10, concurrent + afterwards);
    }

    [Fact]
    public async Task A_message_whose_stored_answer_is_lost_is_stored_and_delivered_once()
    {
        var room = Room();
        await using var ada = await app.ConnectAsync(User("ada"), room);
        app.LostAnswers.Lose("PutItem", table: app.MessagesTable);

        await ada.SendMessageAsync("only once");

        Assert.Equal("only once", Text(await ada.ReceiveAsync()));
        Assert.Null(await ada.ReceiveAsync(Quiet));
        Assert.Equal(1, app.LostAnswers.Lost["PutItem"]);
        Assert.Single(await TestTables.SnapshotAsync(app.MessagesTable), item => item.Contains($"room={room}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_take_from_the_allowance_whose_answer_is_lost_costs_one_message_not_two()
    {
        var room = Room();
        await using var ada = await app.ConnectAsync(User("ada"), room);
        app.LostAnswers.Lose("UpdateItem", table: app.Table);

        await ada.SendMessageAsync("counted once");
        Assert.Equal("counted once", Text(await ada.ReceiveAsync()));

        Assert.Equal(1, app.LostAnswers.Lost["UpdateItem"]);
        var record = await TestTables.GetItemAsync(app.Table, "connectionId", await ConnectionIdInAsync(room));
        Assert.InRange(decimal.Parse(record!["sendTokens"].N, System.Globalization.CultureInfo.InvariantCulture), 9m, 9.99m);
    }

    [Fact]
    public async Task A_users_connection_over_the_limit_is_told_why_on_its_first_frame_then_closed_by_the_server_and_the_others_go_on()
    {
        var room = Room();
        var userId = User("tabs");
        var tabs = new List<ChatClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                tabs.Add(await app.ConnectAsync(userId, room));
            }

            await using var sixth = await app.ConnectAsync(userId, room);
            await sixth.SendAsync("""{"action":"history"}""");
            var refusal = (await sixth.ReceiveAnyAsync())!;

            Assert.Equal(["error", "too_many_connections"], new[] { refusal["type"], refusal["code"] }.Select(node => node!.GetValue<string>()));
            Assert.Contains("5 chat connections", refusal["message"]!.GetValue<string>(), StringComparison.Ordinal);
            // Then the server closes it (DeleteConnection): it does not stay open for the client to keep.
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, await sixth.ClosedAsync());
            Assert.Null(await sixth.ReceiveAnyAsync(Quiet));
            // Its $disconnect removed its record: the user's five tabs are all that is left.
            await Eventually(async () => (await TestTables.SnapshotAsync(app.Table)).Count(item => item.Contains($"userId={userId}", StringComparison.Ordinal)) == 5);
            await tabs[4].SendMessageAsync("still here");
            Assert.Equal("still here", Text(await tabs[0].ReceiveAsync()));
            Assert.Null(await tabs[0].ReceiveAsync(Quiet));

            // One tab closes: a new one fits again.
            await tabs[0].DisposeAsync();
            tabs.RemoveAt(0);
            await Eventually(async () => await PresenceCountAsync(userId) == 4);
            await using var again = await app.ConnectAsync(userId, room);
            await again.SendAsync("""{"action":"history"}""");
            Assert.Equal("history", (await again.ReceiveAsync())!["type"]!.GetValue<string>());
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Connections_that_vanished_without_a_disconnect_do_not_count_against_the_limit()
    {
        var userId = User("ghost");
        using (var dynamoDb = await DynamoDbEndpoint.ClientAsync())
        {
            // Five entries whose connection records are gone: API Gateway never sent their $disconnect.
            var item = new Dictionary<string, AttributeValue>
            {
                ["connectionId"] = new() { S = PresenceRepository.KeyPrefix + userId },
                [PresenceRepository.CountAttribute] = new() { N = "5" },
                ["expiresAt"] = new() { N = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
            for (var i = 0; i < 5; i++)
            {
                item[$"{PresenceRepository.EntryPrefix}vanished-{i}"] = new() { S = "lobby" };
            }

            await dynamoDb.PutItemAsync(new PutItemRequest { TableName = app.Table, Item = item }, TestContext.Current.CancellationToken);
        }

        await using var tab = await app.ConnectAsync(userId, Room());
        await tab.SendAsync("""{"action":"history"}""");

        Assert.Equal("history", (await tab.ReceiveAsync())!["type"]!.GetValue<string>());
        Assert.Equal(1, await PresenceCountAsync(userId));
    }

    [Fact]
    public async Task A_client_that_sends_nothing_is_closed_after_the_idle_timeout_and_its_record_removed()
    {
        var room = Room();
        app.Gateway.IdleTimeout = TimeSpan.FromSeconds(1);
        try
        {
            await using var frozen = await app.ConnectAsync(User("frozen"), room);
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, await frozen.ClosedAsync());
            await Eventually(async () => !(await TestTables.SnapshotAsync(app.Table)).Any(item => item.Contains($"room={room}", StringComparison.Ordinal)));
        }
        finally
        {
            app.Gateway.IdleTimeout = TimeSpan.FromMinutes(10);
        }
    }

    private async Task<int> PresenceCountAsync(string userId)
    {
        var item = await TestTables.GetItemAsync(app.Table, "connectionId", PresenceRepository.KeyPrefix + userId);
        return item is null ? 0 : int.Parse(item[PresenceRepository.CountAttribute].N, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(await condition());
    }

    /// <summary>Stores messages as sendMessage does, a millisecond apart, so that their ids keep their order.</summary>
    private async Task SeedAsync(string room, string userId, int count, Func<int, string>? text = null)
    {
        using var dynamoDb = await DynamoDbEndpoint.ClientAsync();
        var messages = new MessageRepository(dynamoDb, Options.Create(new ChatOptions { MessagesTableName = app.MessagesTable }));
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        for (var i = 0; i < count; i++)
        {
            var sentAt = start.AddMilliseconds(i);
            var token = WriteToken.New(sentAt);
            await messages.StoreAsync(new ChatMessage(token.Value, room, new Sender(userId, userId), text?.Invoke(i) ?? $"message {i:000}", sentAt), token, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Asks for the latest page, then each page before it, as the browser client scrolls back.</summary>
    private static async Task<List<JsonObject>> HistoryPagesAsync(ChatClient client)
    {
        var pages = new List<JsonObject>();
        string? before = null;
        do
        {
            await client.SendAsync(new JsonObject { ["action"] = "history", ["before"] = before }.ToJsonString());
            var page = (await client.NextAsync("history"))!;
            pages.Add(page);
            before = page["before"]?.GetValue<string>();
        }
        while (before is not null && pages.Count < 20);

        return pages;
    }

    private async Task<string> ConnectionIdInAsync(string room)
    {
        using var dynamoDb = await DynamoDbEndpoint.ClientAsync();
        var page = await dynamoDb.ScanAsync(new ScanRequest
        {
            TableName = app.Table,
            FilterExpression = "room = :room",
            ExpressionAttributeValues = new() { [":room"] = new() { S = room } },
            ConsistentRead = true,
        }, TestContext.Current.CancellationToken);
        return Assert.Single(page.Items)["connectionId"].S;
    }

    private static async Task<JsonObject?> PresenceAsync(ChatClient client, TimeSpan? wait = null)
    {
        var frame = await client.ReceiveAnyAsync(wait);
        Assert.True(frame is null || frame["type"]!.GetValue<string>() == "presence", frame?.ToJsonString());
        return frame;
    }

    private static string[] Describe(JsonObject? presence) =>
        [.. new[] { presence!["type"], presence["room"], presence["event"], presence["user"]!["userId"], presence["user"]!["displayName"] }.Select(node => node!.GetValue<string>())];

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
