using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;

namespace Samples.Chat.Tests;

/// <summary>Real ClientWebSocket clients against the local gateway emulator and DynamoDB Local.</summary>
public sealed class ChatGatewayTests(ChatApp app) : IClassFixture<ChatApp>
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private static string Room() => "room-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_plain_http_request_to_the_gateway_gets_426_without_a_server_banner_and_with_nosniff()
    {
        using var http = new HttpClient();

        using var response = await http.GetAsync(app.WebSocketBase.ToString().Replace("ws://", "http://", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("no token")]
    [InlineData("expired")]
    [InlineData("bad signature")]
    [InlineData("alg none")]
    [InlineData("wrong audience")]
    public async Task A_handshake_without_a_valid_token_is_refused_and_writes_nothing(string why)
    {
        var room = Room();
        var token = why switch
        {
            "expired" => TestIssuer.Token("eve", expires: DateTime.UtcNow.AddMinutes(-10)),
            "bad signature" => TestIssuer.Token("eve", foreignKey: true),
            "alg none" => TestIssuer.UnsignedToken("eve"),
            "wrong audience" => TestIssuer.Token("eve", audience: "someone-else"),
            _ => null,
        };
        var before = await TestTables.SnapshotAsync(app.Table);

        var status = await app.RefusedHandshakeAsync(token is null ? $"?room={room}" : $"?token={token}&room={room}");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task A_bad_room_name_is_refused_and_writes_nothing()
    {
        var before = await TestTables.SnapshotAsync(app.Table);

        var status = await app.RefusedHandshakeAsync($"?token={TestIssuer.Token("ada")}&room=no%20spaces%21");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task A_message_reaches_exactly_the_members_of_the_senders_room()
    {
        var (alpha, beta) = (Room(), Room());
        await using var ada = await app.ConnectAsync("ada", alpha);
        await using var bob = await app.ConnectAsync("bob", alpha);
        await using var cyd = await app.ConnectAsync("cyd", beta);

        await ada.SendMessageAsync("hello alpha");
        var toAda = await ada.ReceiveAsync();
        var toBob = await bob.ReceiveAsync();

        foreach (var frame in new[] { toAda, toBob })
        {
            Assert.Equal("message", frame!["type"]!.GetValue<string>());
            Assert.Equal("hello alpha", frame["text"]!.GetValue<string>());
            Assert.Equal(alpha, frame["room"]!.GetValue<string>());
            Assert.Equal("ada", frame["from"]!["userId"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(frame["id"]!.GetValue<string>()));
        }

        Assert.Equal(toAda!["id"]!.GetValue<string>(), toBob!["id"]!.GetValue<string>());
        Assert.Null(await cyd.ReceiveAsync(Quiet));
    }

    [Fact]
    public async Task Two_hundred_clients_in_one_room_each_receive_a_broadcast_exactly_once()
    {
        var room = Room();
        var clients = new List<ChatClient>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                clients.Add(await app.ConnectAsync($"member-{i}", room));
            }

            await clients[0].SendMessageAsync("to everyone");
            var first = await Task.WhenAll(clients.Select(client => client.ReceiveAsync()));
            await clients[0].SendMessageAsync("marker");
            var second = await Task.WhenAll(clients.Select(client => client.ReceiveAsync()));

            Assert.All(first, frame => Assert.Equal("to everyone", frame?["text"]?.GetValue<string>()));
            Assert.All(second, frame => Assert.Equal("marker", frame?["text"]?.GetValue<string>())); // no duplicate of the first
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_stale_connection_is_removed_on_the_next_broadcast_and_the_others_still_get_it()
    {
        using var metrics = new MetricsRecorder(app.FanOutServices); // the fan-out delivers, and counts
        var room = Room();
        await using var ada = await app.ConnectAsync("ada", room);
        await using var bob = await app.ConnectAsync("bob", room);
        using (var dynamoDb = await DynamoDbEndpoint.ClientAsync())
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = app.Table,
                Item = new()
                {
                    ["connectionId"] = new() { S = "stale-connection" },
                    ["userId"] = new() { S = "ghost" },
                    ["displayName"] = new() { S = "Ghost" },
                    ["room"] = new() { S = room },
                    ["connectedAt"] = new() { S = DateTime.UtcNow.AddHours(-1).ToString("O") },
                    ["expiresAt"] = new() { N = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) },
                },
            }, TestContext.Current.CancellationToken);
        }

        await ada.SendMessageAsync("anyone there?");

        Assert.Equal("anyone there?", (await bob.ReceiveAsync())?["text"]?.GetValue<string>());
        Assert.Equal("anyone there?", (await ada.ReceiveAsync())?["text"]?.GetValue<string>());
        await Eventually(async () => await TestTables.GetItemAsync(app.Table, "connectionId", "stale-connection") is null);
        await Eventually(() => Task.FromResult(metrics.Total(Broadcaster.Metric.MessagesBroadcast) == 1));
        Assert.Equal(2, metrics.Total(Broadcaster.Metric.Deliveries));
        Assert.Equal(1, metrics.Total(Broadcaster.Metric.StaleConnectionsRemoved));
        Assert.Equal(["chat-fanout"], metrics.Services);
    }

    [Fact]
    public async Task Connecting_stores_the_record_and_disconnecting_removes_it()
    {
        var room = Room();
        var ada = await app.ConnectAsync("ada", room);
        var record = Assert.Single(await RecordsInRoomAsync(room));
        Assert.Equal("ada", record["userId"].S);
        Assert.True(long.Parse(record["expiresAt"].N, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds());

        await ada.DisposeAsync();

        await Eventually(async () => (await RecordsInRoomAsync(room)).Count == 0);
    }

    [Fact]
    public async Task Without_a_room_a_client_joins_the_lobby_and_join_room_moves_it()
    {
        var room = Room();
        var adaId = "ada-" + Guid.NewGuid().ToString("N");
        await using var ada = await app.ConnectAsync(adaId);
        Assert.Equal("lobby", Assert.Single(await RecordsOfUserAsync(adaId))["room"].S);
        await using var bob = await app.ConnectAsync("bob", room);

        await ada.SendAsync(new JsonObject { ["action"] = "joinRoom", ["room"] = room }.ToJsonString());
        var joined = await ada.ReceiveAsync();
        var history = await ada.ReceiveAsync();
        await bob.SendMessageAsync("welcome");

        Assert.Equal("joined", joined!["type"]!.GetValue<string>());
        Assert.Equal(room, joined["room"]!.GetValue<string>());
        Assert.Equal(["history", room], new[] { history!["type"], history["room"] }.Select(node => node!.GetValue<string>()));
        Assert.Equal("welcome", (await ada.ReceiveAsync())?["text"]?.GetValue<string>());
        Assert.Equal(room, Assert.Single(await RecordsOfUserAsync(adaId))["room"].S);
    }

    [Theory]
    [InlineData("not json at all", "invalid_frame")]
    [InlineData("""{"action":"dance"}""", "unknown_action")]
    [InlineData("""{"text":"no action"}""", "invalid_frame")]
    [InlineData("""{"action":"sendMessage"}""", "invalid_frame")]
    [InlineData("""{"action":"sendMessage","text":""}""", "invalid_frame")]
    [InlineData("""{"action":"sendMessage","text":42}""", "invalid_frame")]
    [InlineData("""{"action":"sendMessage","text":"hi","extra":1}""", "invalid_frame")]
    [InlineData("""{"action":"joinRoom","room":"bad room!"}""", "invalid_frame")]
    public async Task Invalid_frames_get_an_error_frame_and_broadcast_nothing(string frame, string code)
    {
        var room = Room();
        await using var ada = await app.ConnectAsync("ada", room);
        await using var bob = await app.ConnectAsync("bob", room);

        await ada.SendAsync(frame);
        var error = await ada.ReceiveAsync();

        Assert.Equal("error", error!["type"]!.GetValue<string>());
        Assert.Equal(code, error["code"]!.GetValue<string>());
        Assert.Null(await bob.ReceiveAsync(Quiet));
    }

    [Fact]
    public async Task Text_over_4000_characters_is_an_error_frame()
    {
        await using var ada = await app.ConnectAsync("ada", Room());

        await ada.SendMessageAsync(new string('x', 4001));

        Assert.Equal("invalid_frame", (await ada.ReceiveAsync())!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_message_over_128_KB_closes_the_connection_with_1009_and_reaches_nobody()
    {
        var room = Room();
        var ada = await app.ConnectAsync("ada", room);
        await using var bob = await app.ConnectAsync("bob", room);

        await ada.SendMessageAsync(new string('x', 130 * 1024));

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await ada.ClosedAsync());
        Assert.Null(await bob.ReceiveAsync(Quiet));
        await Eventually(async () => (await RecordsInRoomAsync(room)).Count == 1);
        await ada.DisposeAsync();
    }

    [Fact]
    public async Task The_connections_endpoint_posts_reports_and_closes_like_the_management_api()
    {
        var userId = "ada-" + Guid.NewGuid().ToString("N");
        var ada = await app.ConnectAsync(userId, Room());
        var connectionId = Assert.Single(await RecordsOfUserAsync(userId))["connectionId"].S;
        using var http = new HttpClient { BaseAddress = app.Gateway.Url };
        http.DefaultRequestHeaders.Add(IntegrationHeaders.Key, app.IntegrationKey);
        var path = "/@connections/" + Uri.EscapeDataString(connectionId);
        var cancel = TestContext.Current.CancellationToken;

        using var get = await http.GetAsync(path, cancel);
        using var post = await http.PostAsync(path, new StringContent("""{"type":"notice","text":"from the server"}"""), cancel);
        var received = await ada.ReceiveAsync();
        using var delete = await http.DeleteAsync(path, cancel);
        var closed = await ada.ClosedAsync();
        using var getAfter = await http.GetAsync(path, cancel);
        using var postAfter = await http.PostAsync(path, new StringContent("{}"), cancel);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("from the server", received?["text"]?.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, closed);
        Assert.Equal(HttpStatusCode.Gone, getAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, postAfter.StatusCode);
        // As API Gateway names the error: what makes the AWS SDK raise GoneException, not its base exception.
        Assert.All(new[] { getAfter, postAfter }, gone => Assert.Equal("GoneException", gone.Headers.GetValues("x-amzn-ErrorType").Single()));
        await Eventually(async () => (await RecordsOfUserAsync(userId)).Count == 0);
        await ada.DisposeAsync();
    }

    private Task<List<Dictionary<string, AttributeValue>>> RecordsInRoomAsync(string room) => RecordsWhereAsync("room", room);

    private Task<List<Dictionary<string, AttributeValue>>> RecordsOfUserAsync(string userId) => RecordsWhereAsync("userId", userId);

    private async Task<List<Dictionary<string, AttributeValue>>> RecordsWhereAsync(string attribute, string value)
    {
        using var dynamoDb = await DynamoDbEndpoint.ClientAsync();
        var scan = await dynamoDb.ScanAsync(new ScanRequest
        {
            TableName = app.Table,
            FilterExpression = "#attribute = :value",
            ExpressionAttributeNames = new() { ["#attribute"] = attribute },
            ExpressionAttributeValues = new() { [":value"] = new() { S = value } },
            ConsistentRead = true,
        }, TestContext.Current.CancellationToken);
        return scan.Items ?? [];
    }

    /// <summary>$disconnect and cleanup run after the client saw its close: poll briefly for their effect.</summary>
    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Fail("The condition did not become true within 5 s.");
    }
}
