using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

/// <summary>
/// A generated corpus of hostile bodies (<see cref="HostileCorpus"/>) against every route that reads one:
/// each must get a 4xx problem with a correlation id, never a 5xx, and leave the table as it was.
/// </summary>
public sealed class HostileInputTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static readonly Dictionary<string, IEnumerable<string>> ProfileFields = new()
    {
        ["displayName"] = HostileCorpus.BadLines("Ada").Concat(HostileCorpus.BadLines("Grace Hopper")).Distinct().Select(HostileCorpus.Token).Concat(["null", "42", "true", "[]", "\"\"", HostileCorpus.Token(new string('a', 101))]),
        ["bio"] = HostileCorpus.BadMultiline("Engineer.\nLikes engines.").Concat(HostileCorpus.BadMultiline("Poet")).Select(HostileCorpus.Token).Concat(["42", "[]", HostileCorpus.Token(new string('b', 501))]),
        ["avatarUrl"] = new[]
        {
            "https://example.com/a.png\n", "https://example.com/a.png\r\n", "https://example.com/\u0000", "https://example.com/a b",
            "https://example.com/\u202Egnp.exe", "https://example.com/é", "https://exa\u200Bmple.com/", "http://example.com/a.png",
            "javascript:alert(1)", "https://", "//example.com/a.png", "https://example.com:123456/", "https://user@example.com/",
            "HTTPS://example.com/", "https://example.com\\a", "data:image/png;base64,AAAA", "https://[::1]/",
        }.Select(HostileCorpus.Token).Concat(["42", "[]", HostileCorpus.Token("https://example.com/" + new string('p', 2029))]),
    };

    public static IReadOnlyList<HostileCase> CreateCorpus { get; } = HostileCorpus.Bodies(
        new JsonObject { ["userId"] = "3f1c2a9e-7b7d-4c1e-9a57-0d5e8f1a2b3c", ["displayName"] = "Ada", ["bio"] = "Engineer.", ["avatarUrl"] = "https://example.com/ada.png" },
        new Dictionary<string, IEnumerable<string>>(ProfileFields)
        {
            ["userId"] = new[] { "abc\n", "abc\r\n", "abc\r", "a b", "", "../x", "abc%0A", "a\u0000", "a\u200B", "ａbc", "abc\u2028", new string('u', 129) }
                .Concat(HostileCorpus.BadLines("abc")).Select(HostileCorpus.Token).Concat(["42", "true"]),
        });

    public static IReadOnlyList<HostileCase> ReplaceCorpus { get; } = HostileCorpus.Bodies(UsersApp.Body(), ProfileFields);

    [Fact]
    public void The_corpora_are_large()
    {
        Assert.True(CreateCorpus.Count >= 300, $"{CreateCorpus.Count} create cases");
        Assert.True(ReplaceCorpus.Count >= 300, $"{ReplaceCorpus.Count} replace cases");
    }

    [Fact]
    public async Task Every_hostile_create_body_gets_a_4xx_problem_and_writes_nothing()
    {
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);
        await HostileCorpus.AssertEachRefusedAsync(admin, CreateCorpus, app.Table, body => new HttpRequestMessage(HttpMethod.Post, "/users") { Content = body });
    }

    [Fact]
    public async Task Every_hostile_replace_body_gets_a_4xx_problem_and_changes_nothing()
    {
        var sub = UsersApp.NewSub("user");
        await app.CreateOwnProfileAsync(sub);
        using var user = app.As(sub);
        await HostileCorpus.AssertEachRefusedAsync(user, ReplaceCorpus, app.Table, body =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, "/users/me") { Content = body };
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            return request;
        });
    }
}
