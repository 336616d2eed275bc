using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Chat.Tests;

/// <summary>Hostile frames, names with a trailing newline, a client that stops reading, and an authorizer without Cognito.</summary>
public sealed class HardeningTests(UnthrottledChatApp app) : IClassFixture<UnthrottledChatApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Room() => "room-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Generated hostile frames for the routes clients reach: sendMessage, joinRoom, history and $default.</summary>
    private const string ValidMessageId = "019a7c1e5a2b7c3d8e4f0123456789ab";

    public static IReadOnlyList<HostileCase> Corpus { get; } =
    [
        .. HostileCorpus.Bodies(new JsonObject { ["action"] = "sendMessage", ["text"] = "hello", ["room"] = "lobby" }, new Dictionary<string, IEnumerable<string>>
        {
            ["text"] = HostileCorpus.BadMultiline("hello").Concat(HostileCorpus.InvisibleCharacters.Where(c => c.Trim().Length > 0 || c == " ").Select(c => c + c))
                .Select(HostileCorpus.Token).Concat(["null", "42", "\"\"", HostileCorpus.Token(new string('t', 4001))]),
            ["room"] = HostileCorpus.BadLines("lobby").Select(HostileCorpus.Token).Concat(["42", "\"elsewhere\""]),
            ["action"] = new[] { "sendmessage", "sendMessage\n", "", "$default", "$connect", "joinRoom\u0000", "send Message" }.Select(HostileCorpus.Token).Concat(["42", "null"]),
        }),
        .. HostileCorpus.Bodies(new JsonObject { ["action"] = "joinRoom", ["room"] = "lobby" }, new Dictionary<string, IEnumerable<string>>
        {
            ["room"] = HostileCorpus.BadLines("lobby").Concat(["", "a b", "lobby/x", "ló", new string('r', 65)]).Select(HostileCorpus.Token).Concat(["42", "null"]),
        }),
        .. HostileCorpus.Bodies(new JsonObject { ["action"] = "history", ["before"] = ValidMessageId }, new Dictionary<string, IEnumerable<string>>
        {
            // null is not here: {"before":null} asks for the latest page.
            ["before"] = HostileCorpus.BadLines(ValidMessageId)
                .Concat(["", ValidMessageId.ToUpperInvariant(), ValidMessageId[..31], ValidMessageId + "0", "019a7c1e-5a2b-7c3d-8e4f-0123456789ab", "' OR 1=1 --", "zz" + ValidMessageId[2..]])
                .Select(HostileCorpus.Token).Concat(["42", "[]", "{}", "true"]),
        }),
    ];

    [Fact]
    public async Task Every_hostile_frame_gets_an_error_frame_broadcasts_nothing_and_changes_no_record()
    {
        // A WebSocket text message must be UTF-8: invalid bytes close the connection (1007), as the protocol says.
        var frames = Corpus.Where(frame => !frame.Name.StartsWith("invalid UTF-8", StringComparison.Ordinal)).ToList();
        Assert.True(frames.Count >= 300, $"{frames.Count} frames");
        var room = Room();
        await using var ada = await app.ConnectAsync("ada", room);
        await using var bob = await app.ConnectAsync("bob", room);
        var before = await TestTables.SnapshotAsync(app.Table);
        var failures = new List<string>();

        foreach (var frame in frames)
        {
            await ada.SendAsync(Encoding.UTF8.GetString(frame.Body));
            var answer = await ada.ReceiveAsync();
            if (answer?["type"]?.GetValue<string>() != "error")
            {
                failures.Add($"{frame.Name}: {answer?.ToJsonString() ?? "no answer"}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {frames.Count} frames:\n{string.Join("\n", failures.Take(30))}");
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
        Assert.DoesNotContain(await TestTables.SnapshotAsync(app.MessagesTable), item => item.Contains($"room={room};", StringComparison.Ordinal));
        await ada.SendMessageAsync("the only message");
        Assert.Equal("the only message", (await bob.ReceiveAsync())?["text"]?.GetValue<string>());
    }

    [Fact]
    public async Task Event_endpoints_called_without_a_gateway_event_answer_403_problems()
    {
        using var client = app.CreateClient();
        foreach (var route in new[] { "/$connect", "/$disconnect", "/sendMessage", "/joinRoom", "/history", "/members", "/$default" })
        {
            using var response = await client.PostAsync(route, Requests.Json("""{"action":"sendMessage","text":"hi"}"""), Cancel);
            await Problems.AssertAsync(response, HttpStatusCode.Forbidden);
        }
    }

    [Theory]
    [InlineData("lobby%0A")]
    [InlineData("lobby%0D%0A")]
    [InlineData("%E2%80%8B")]
    public async Task A_room_name_with_a_control_or_invisible_character_is_refused_at_the_handshake(string room)
    {
        var before = await TestTables.SnapshotAsync(app.Table);

        var status = await app.RefusedHandshakeAsync($"?token={TestIssuer.Token("ada")}&room={room}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task Joining_a_room_name_with_a_trailing_newline_is_an_error_frame()
    {
        var room = Room();
        await using var ada = await app.ConnectAsync("ada", room);

        await ada.SendAsync("""{"action":"joinRoom","room":"lobby\n"}""");

        var answer = await ada.ReceiveAsync();
        Assert.Equal("invalid_frame", answer?["code"]?.GetValue<string>());
    }

    [Fact]
    public async Task A_client_that_stops_reading_delays_no_one_and_is_dropped_when_too_far_behind()
    {
        var room = Room();
        using var stalled = new ClientWebSocket();
        await stalled.ConnectAsync(new Uri(app.WebSocketBase, $"/?token={TestIssuer.Token("sleepy")}&room={room}"), Cancel);
        await using var ada = await app.ConnectAsync("ada", room);
        await using var bob = await app.ConnectAsync("bob", room);
        var stalledRecords = await ConnectionsOfAsync("sleepy");
        Assert.Single(stalledRecords);

        // About 12 KB a message (3990 three-byte characters): far more than socket buffers and the gateway's queue hold.
        var text = new string('€', 3990);
        for (var i = 0; i < 400; i++)
        {
            await ada.SendMessageAsync($"{i}:{text}");
            var received = await bob.ReceiveAsync();
            Assert.StartsWith($"{i}:", received?["text"]?.GetValue<string>() ?? "(nothing within 10 s)", StringComparison.Ordinal);
        }

        // The stalled client fell too far behind: closed, so its record goes (via $disconnect).
        for (var wait = 0; wait < 100 && (await ConnectionsOfAsync("sleepy")).Count > 0; wait++)
        {
            await Task.Delay(100, Cancel);
        }

        Assert.Empty(await ConnectionsOfAsync("sleepy"));
    }

    [Fact]
    public async Task The_authorizer_denies_when_the_pool_signing_keys_cannot_be_fetched()
    {
        var nobody = $"http://127.0.0.1:{Samples.StandIns.DynamoDbLocal.FreePort()}/us-east-1_Unreachable";
        var authorizer = new ChatAuthorizer(
            CognitoTokenValidator.Create(new CognitoAuthOptions { Authority = nobody, Audience = TestIssuer.ClientId }),
            NullLogger<ChatAuthorizer>.Instance);

        var result = await authorizer.AuthorizeAsync(
            new Dictionary<string, string> { ["token"] = TestIssuer.Token("ada") }, "arn:aws:execute-api:us-east-1:123456789012:abc/v1/$connect", Cancel);

        Assert.False(result.IsAllowed);
        Assert.Equal("Deny", result.Effect);
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ConnectionsOfAsync(string userId)
    {
        using var client = await DynamoDbEndpoint.ClientAsync();
        var scan = await client.ScanAsync(new ScanRequest { TableName = app.Table, ConsistentRead = true }, Cancel);
        return [.. scan.Items.Where(item => item.TryGetValue("userId", out var owner) && owner.S == userId)]; // not the presence items
    }
}

/// <summary>An event that fails (here: the connections table is gone) costs the sender an error frame, not the connection.</summary>
public sealed class EventFailureTests(ChatApp app) : IClassFixture<ChatApp>
{
    [Fact]
    public async Task When_an_event_fails_the_sender_gets_an_error_frame_and_stays_connected()
    {
        await using var ada = await app.ConnectAsync("ada", "lobby");
        using (var client = await DynamoDbEndpoint.ClientAsync())
        {
            await client.DeleteTableAsync(app.Table, TestContext.Current.CancellationToken);
        }

        await ada.SendMessageAsync("anyone?");
        var first = await ada.ReceiveAsync();
        await ada.SendMessageAsync("still here");
        var second = await ada.ReceiveAsync();

        Assert.Equal("event_failed", first?["code"]?.GetValue<string>());
        Assert.Equal("event_failed", second?["code"]?.GetValue<string>());
    }
}
