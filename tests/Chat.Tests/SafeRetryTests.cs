namespace Samples.Chat.Tests;

/// <summary>
/// A handshake's connection record is written once and never left behind: a put whose answer is lost is
/// recognised as the handshake's own (accepted, one record); a handshake refused because DynamoDB never answered
/// takes its record back.
/// </summary>
public sealed class SafeRetryTests(ChatApp app) : IClassFixture<ChatApp>
{
    [Fact]
    public async Task A_handshake_whose_put_answer_is_lost_is_accepted_with_one_record()
    {
        var before = await TestTables.SnapshotAsync(app.Table);
        app.LostAnswers.Lose("PutItem", table: app.Table);

        await using var client = await app.ConnectAsync("lost-answer-user");

        Assert.Equal(1, app.LostAnswers.Lost["PutItem"]);
        var after = await TestTables.SnapshotAsync(app.Table);
        // One connection record, and the user's presence item (PresenceRepository), whose write is an update.
        Assert.Equal(before.Count + 2, after.Count);
        Assert.Single(after, item => item.Contains("userId=lost-answer-user", StringComparison.Ordinal));
        Assert.Single(after, item => item.Contains("connectionId=user#lost-answer-user", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handshake_refused_with_503_after_its_record_landed_leaves_no_record()
    {
        var before = await TestTables.SnapshotAsync(app.Table);
        // Every attempt lands and every answer is lost: the SDK gives up, the handshake is refused with 503.
        app.LostAnswers.Lose("PutItem", count: 3, table: app.Table);

        var status = await app.RefusedHandshakeAsync($"?token={TestIssuer.Token("refused-user")}");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }
}
