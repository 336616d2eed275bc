using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Samples.Chat.Tests;

/// <summary>
/// The chat on DynamoDB's bad day: every event answers within the app's deadline while DynamoDB hangs, and the
/// handshakes refused during the stall leave no connection that keeps a user present or counts against the cap.
/// </summary>
public sealed class StallTests(ChatApp app) : IClassFixture<ChatApp>
{
    /// <summary>API Gateway's integration timeout: past it the client gets a bare error, or a handshake that hangs.</summary>
    private static readonly TimeSpan GatewayTimeout = TimeSpan.FromSeconds(29);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_DynamoDB_hung_every_route_answers_503_within_the_deadline_and_the_chat_recovers()
    {
        var room = "stall-" + Guid.NewGuid().ToString("N")[..8];
        await using var ada = await app.ConnectAsync("stall-ada", room);
        using var http = new HttpClient { BaseAddress = app.HttpBase, Timeout = GatewayTimeout };

        app.LostAnswers.Stall(LostAnswers.AnyOperation, lands: false);
        var answers = new List<(string Route, HttpStatusCode Status, TimeSpan Took)>();
        try
        {
            foreach (var (route, body) in new[]
            {
                ("$connect?room=" + room, ""),
                ("sendMessage", """{"action":"sendMessage","text":"hello"}"""),
                ("joinRoom", """{"action":"joinRoom","room":"elsewhere"}"""),
                ("history", """{"action":"history"}"""),
                ("members", """{"action":"members"}"""),
                ("$default", """{"action":"dance"}"""),
                ("$disconnect", ""),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/" + route) { Content = new StringContent(body) };
                request.Headers.Add(IntegrationHeaders.Key, app.IntegrationKey);
                request.Headers.Add(IntegrationHeaders.ConnectionId, "stalled-" + Guid.NewGuid().ToString("N")[..12]);
                request.Headers.Add(IntegrationHeaders.UserId, "stall-bob");
                request.Headers.Add(IntegrationHeaders.DisplayName, "Bob");
                var clock = Stopwatch.StartNew();
                using var response = await http.SendAsync(request, Cancel);
                answers.Add((route, response.StatusCode, clock.Elapsed));
                TestContext.Current.TestOutputHelper?.WriteLine($"DynamoDB hung: {route.Split('?')[0]} answered {(int)response.StatusCode} in {clock.ElapsedMilliseconds} ms");
            }
        }
        finally
        {
            app.LostAnswers.Release();
        }

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status));
        Assert.All(answers, answer => Assert.True(answer.Took < GatewayTimeout, $"{answer.Route}: {answer.Took.TotalSeconds:F1} s"));

        // DynamoDB is back: the same connection chats again, nothing restarted.
        await ada.SendAsync("""{"action":"history"}""");
        Assert.Equal("history", (await ada.NextAsync("history"))!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Handshakes_refused_in_a_stall_leave_no_connection_that_keeps_a_user_present_or_counts_against_the_cap()
    {
        var room = "orphans-" + Guid.NewGuid().ToString("N")[..8];
        var (carl, dora) = ("orphan-carl-" + Guid.NewGuid().ToString("N")[..6], "orphan-dora-" + Guid.NewGuid().ToString("N")[..6]);
        await using var ada = await app.ConnectAsync("orphan-ada-" + Guid.NewGuid().ToString("N")[..6], room);

        // The presence update lands and its answer never comes, and nothing can be deleted: the deadline refuses each
        // handshake (API Gateway never opens it) after its record and presence entry were stored.
        app.LostAnswers.Stall("UpdateItem", lands: true, table: app.Table).Stall("DeleteItem", lands: false, table: app.Table);
        HttpStatusCode[] refused;
        try
        {
            refused = await Task.WhenAll(Enumerable.Range(0, 6).Select(attempt =>
                app.RefusedHandshakeAsync($"?token={TestIssuer.Token(attempt < 5 ? carl : dora)}&room={room}")));
        }
        finally
        {
            app.LostAnswers.Release();
        }

        Assert.All(refused, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        Assert.Equal(5, await PresenceCountAsync(carl)); // the stall's leftovers: as many as the cap
        Assert.Equal(1, await PresenceCountAsync(dora));

        // Past the time a handshake may take to open, the gateway's word (GetConnection: 410) settles it.
        app.Clock.Advance(StaleConnections.Opening + TimeSpan.FromSeconds(1));

        // Carl is not over the cap: his connection opens and chats.
        await using (var carlsTab = await app.ConnectAsync(carl, room))
        {
            await carlsTab.SendAsync("""{"action":"history"}""");
            Assert.Equal("history", (await carlsTab.NextAsync("history"))!["type"]!.GetValue<string>());
            Assert.Equal(1, await PresenceCountAsync(carl));

            // Dora never connected: she is not listed as a member, and her leftovers are removed.
            await ada.SendAsync("""{"action":"members"}""");
            var members = (await ada.NextAsync("members"))!["members"]!.AsArray().Select(member => member!["userId"]!.GetValue<string>()).ToList();
            Assert.DoesNotContain(dora, members);
            Assert.Contains(carl, members);
        }

        Assert.Equal(0, await PresenceCountAsync(dora));
        Assert.DoesNotContain(await TestTables.SnapshotAsync(app.Table), item => item.Contains($"userId={dora}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_disconnect_that_failed_in_a_stall_does_not_keep_the_user_present_when_the_last_tab_leaves()
    {
        var room = "left-" + Guid.NewGuid().ToString("N")[..8];
        var eve = "orphan-eve-" + Guid.NewGuid().ToString("N")[..6];
        await using var ada = await app.ConnectAsync("orphan-ada-" + Guid.NewGuid().ToString("N")[..6], room);
        var firstTab = await app.ConnectAsync(eve, room);
        await using var secondTab = await app.ConnectAsync(eve, room);
        Assert.Equal(2, await PresenceCountAsync(eve));

        // The first tab closes while DynamoDB is hung: its $disconnect answers 503 and removes nothing (API Gateway
        // sends it once).
        app.LostAnswers.Stall(LostAnswers.AnyOperation, lands: false, table: app.Table);
        try
        {
            await firstTab.DisposeAsync();
            for (var wait = 0; wait < 100 && app.LostAnswers.StalledAttempts == 0; wait++)
            {
                await Task.Delay(100, Cancel);
            }

            await Task.Delay(Samples.ServiceDefaults.ServiceDefaultsExtensions.DefaultRequestDeadline + TimeSpan.FromSeconds(1), Cancel);
        }
        finally
        {
            app.LostAnswers.Release();
        }

        Assert.Equal(2, await PresenceCountAsync(eve)); // the failed $disconnect's leftover

        // Later, the last tab leaves: the leftover is found gone (410), and the room hears that Eve left.
        app.Clock.Advance(StaleConnections.Opening + TimeSpan.FromSeconds(1));
        await secondTab.DisposeAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        JsonObject? left = null;
        while (left is null && DateTime.UtcNow < deadline && await ada.NextAsync("presence", deadline - DateTime.UtcNow) is { } presence)
        {
            left = presence["event"]!.GetValue<string>() == "left" && presence["user"]!["userId"]!.GetValue<string>() == eve ? presence : null;
        }

        Assert.NotNull(left);
        Assert.Equal(0, await PresenceCountAsync(eve));
    }

    private async Task<int> PresenceCountAsync(string userId)
    {
        var item = await TestTables.GetItemAsync(app.Table, "connectionId", PresenceRepository.KeyPrefix + userId);
        return item is null ? 0 : int.Parse(item[PresenceRepository.CountAttribute].N, System.Globalization.CultureInfo.InvariantCulture);
    }
}
