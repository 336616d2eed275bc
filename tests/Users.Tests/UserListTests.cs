using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

/// <summary>The admin list, with a table of its own so the counts are this class's alone.</summary>
public sealed class UserListTests(UsersApp app) : IClassFixture<UsersApp>, IAsyncLifetime
{
    private const int Stored = 12;
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if ((await TestTables.SnapshotAsync(app.Table)).Count == 0)
        {
            foreach (var i in Enumerable.Range(0, Stored))
            {
                await app.CreateOwnProfileAsync($"listed-{i:D2}");
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Admins_page_through_every_profile_exactly_once()
    {
        using var admin = app.As("list-admin", admin: true);
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = (await admin.GetFromJsonAsync<JsonObject>("/users?limit=5" + (token is null ? "" : "&nextToken=" + Uri.EscapeDataString(token)), Cancel))!;
            seen.AddRange(page["items"]!.AsArray().Select(item => item!["userId"]!.GetValue<string>()));
            token = page["nextToken"]?.GetValue<string>();
        }
        while (token is not null && seen.Count < 100);

        Assert.Equal(Stored, seen.Count);
        Assert.Equal(Stored, seen.Distinct().Count());
    }

    [Fact]
    public async Task Email_is_an_exact_lookup_through_the_index()
    {
        using var admin = app.As("list-admin", admin: true);

        var found = (await admin.GetFromJsonAsync<JsonObject>("/users?email=" + Uri.EscapeDataString("listed-07@example.com"), Cancel))!;
        var none = (await admin.GetFromJsonAsync<JsonObject>("/users?email=" + Uri.EscapeDataString("LISTED-07@example.com"), Cancel))!;

        Assert.Equal("listed-07", Assert.Single(found["items"]!.AsArray())!["userId"]!.GetValue<string>());
        Assert.Empty(none["items"]!.AsArray());
    }

    [Fact]
    public async Task Members_may_not_list_profiles()
    {
        using var member = app.As("listed-01");

        using var response = await member.GetAsync("/users", Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("nextToken=%%%", "nextToken")]
    [InlineData("nextToken=eyJ1c2VySWQiOjF9", "nextToken")]
    [InlineData("email=not-an-email", "email")]
    [InlineData("email=a%20b@example.com", "email")]
    public async Task Bad_list_parameters_are_400_problems(string query, string field)
    {
        using var admin = app.As("list-admin", admin: true);

        using var response = await admin.GetAsync("/users?" + query, Cancel);

        Assert.NotNull((await Problems.AssertAsync(response, HttpStatusCode.BadRequest))["errors"]![field]);
    }
}
