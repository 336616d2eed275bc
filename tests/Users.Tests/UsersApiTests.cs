using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

public sealed class UsersApiTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creating_your_profile_returns_201_with_location_etag_and_the_tokens_identity()
    {
        var sub = UsersApp.NewSub("ada");
        using var client = app.As(sub);

        using var response = await client.PostAsJsonAsync("/users", UsersApp.Body(), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/users/{sub}", response.Headers.Location!.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag!.ToString());
        var profile = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal(sub, profile["userId"]!.GetValue<string>());
        Assert.Equal($"{sub}@example.com", profile["email"]!.GetValue<string>());
        Assert.Equal("Ada", profile["displayName"]!.GetValue<string>());
        var item = (await TestTables.GetItemAsync(app.Table, "userId", sub))!;
        Assert.Equal($"{sub}@example.com", item["email"].S);
    }

    [Fact]
    public async Task Creating_a_second_profile_is_a_409_and_keeps_the_first()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        var before = await TestTables.SnapshotAsync(app.Table);
        using var client = app.As(sub);

        using var response = await client.PostAsJsonAsync("/users", UsersApp.Body("Someone else"), Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task An_admin_creates_a_profile_for_another_user_without_borrowing_the_admins_email()
    {
        var target = UsersApp.NewSub("newcomer");
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);
        var body = UsersApp.Body("Newcomer");
        body["userId"] = target;

        using var response = await admin.PostAsJsonAsync("/users", body, Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/users/{target}", response.Headers.Location!.ToString());
        var item = (await TestTables.GetItemAsync(app.Table, "userId", target))!;
        Assert.False(item.ContainsKey("email"));
    }

    [Fact]
    public async Task A_member_naming_another_user_id_gets_403_and_nothing_is_written()
    {
        var target = UsersApp.NewSub("victim");
        using var client = app.As(UsersApp.NewSub("mallory"));
        var body = UsersApp.Body();
        body["userId"] = target;

        using var response = await client.PostAsJsonAsync("/users", body, Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.Forbidden);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "userId", target));
    }

    [Theory]
    [InlineData("email", "\"evil@example.com\"")]
    [InlineData("version", "7")]
    [InlineData("createdAt", "\"2020-01-01T00:00:00Z\"")]
    [InlineData("updatedAt", "\"2020-01-01T00:00:00Z\"")]
    public async Task The_body_can_never_set_server_owned_fields(string field, string value)
    {
        var sub = UsersApp.NewSub("ada");
        using var client = app.As(sub);
        var body = JsonNode.Parse($$"""{"displayName":"Ada","{{field}}":{{value}}}""")!.AsObject();

        using var create = await client.PostAsJsonAsync("/users", body, Cancel);
        await app.CreateOwnProfileAsync(sub);
        using var replace = await client.SendAsync(Requests.Put("/users/me", body, "\"1\""), Cancel);

        Assert.NotNull((await Problems.AssertAsync(create, HttpStatusCode.BadRequest))["errors"]![field]);
        Assert.NotNull((await Problems.AssertAsync(replace, HttpStatusCode.BadRequest))["errors"]![field]);
        Assert.Equal("1", (await TestTables.GetItemAsync(app.Table, "userId", sub))!["version"].N);
    }

    [Fact]
    public async Task The_user_id_cannot_be_changed_by_a_replace()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);
        var body = UsersApp.Body();
        body["userId"] = "someone-else";

        using var response = await client.SendAsync(Requests.Put("/users/me", body, "\"1\""), Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Me_routes_read_replace_and_delete_the_callers_own_profile()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);

        using var read = await client.GetAsync("/users/me", Cancel);
        using var replaced = await client.SendAsync(Requests.Put("/users/me", UsersApp.Body("Ada L.", bio: null, avatarUrl: null), "\"1\""), Cancel);
        var afterReplace = (await TestTables.GetItemAsync(app.Table, "userId", sub))!;
        using var deleted = await client.DeleteAsync("/users/me", Cancel);
        using var gone = await client.GetAsync("/users/me", Cancel);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("\"2\"", replaced.Headers.ETag!.ToString());
        Assert.Equal("Ada L.", afterReplace["displayName"].S);
        Assert.False(afterReplace.ContainsKey("bio"));       // full replace: omitted fields are cleared
        Assert.False(afterReplace.ContainsKey("avatarUrl"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Problems.AssertAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Replace_needs_if_match_and_refuses_a_stale_one()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);
        using var first = await client.SendAsync(Requests.Put($"/users/{sub}", UsersApp.Body("v2"), "\"1\""), Cancel);
        var before = await TestTables.SnapshotAsync(app.Table);

        using var missing = await client.SendAsync(Requests.Put($"/users/{sub}", UsersApp.Body("v3"), ifMatch: null), Cancel);
        using var stale = await client.SendAsync(Requests.Put($"/users/{sub}", UsersApp.Body("v3"), "\"1\""), Cancel);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await Problems.AssertAsync(missing, HttpStatusCode.PreconditionRequired);
        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task An_admin_replace_keeps_the_users_email()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);

        using var response = await admin.SendAsync(Requests.Put($"/users/{sub}", UsersApp.Body("Renamed by admin"), "\"1\""), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = (await TestTables.GetItemAsync(app.Table, "userId", sub))!;
        Assert.Equal($"{sub}@example.com", item["email"].S);
        Assert.Equal("Renamed by admin", item["displayName"].S);
    }

    [Fact]
    public async Task Concurrent_replaces_of_one_profile_exactly_one_wins()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            using var client = app.As(sub);
            using var response = await client.SendAsync(Requests.Put("/users/me", UsersApp.Body($"Writer {i}"), "\"1\""), Cancel);
            return response.StatusCode;
        }));

        Assert.Single(statuses, status => status == HttpStatusCode.OK);
        Assert.All(statuses.Where(status => status != HttpStatusCode.OK), status => Assert.Equal(HttpStatusCode.PreconditionFailed, status));
        Assert.Equal("2", (await TestTables.GetItemAsync(app.Table, "userId", sub))!["version"].N);
    }

    [Fact]
    public async Task Delete_of_a_missing_profile_is_404_and_delete_honours_if_match()
    {
        var sub = UsersApp.NewSub("ada");
        using var client = app.As(sub);
        using var missing = await client.DeleteAsync("/users/me", Cancel);
        await app.CreateOwnProfileAsync(sub);

        using var stale = await client.SendAsync(Requests.Delete("/users/me", "\"9\""), Cancel);
        using var current = await client.SendAsync(Requests.Delete("/users/me", "\"1\""), Cancel);

        await Problems.AssertAsync(missing, HttpStatusCode.NotFound);
        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("x%2Fy")]
    public async Task Malformed_user_ids_are_400_problems(string userId)
    {
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);

        using var response = await admin.GetAsync($"/users/{Uri.EscapeDataString(userId)}", Cancel);

        Assert.NotNull((await Problems.AssertAsync(response, HttpStatusCode.BadRequest))["errors"]!["userId"]);
    }

    [Fact]
    public async Task Bodies_over_64_KB_get_413()
    {
        using var client = app.As(UsersApp.NewSub("ada"));

        using var response = await client.PostAsJsonAsync("/users", UsersApp.Body(bio: new string('b', 70_000)), Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Responses_carry_cors_headers_for_allowed_origins_only()
    {
        var sub = UsersApp.NewSub("ada");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        allowed.Headers.Add("Origin", "https://app.example.com");
        using var foreign = new HttpRequestMessage(HttpMethod.Get, "/users/me");
        foreign.Headers.Add("Origin", "https://evil.example.net");

        using var allowedResponse = await client.SendAsync(allowed, Cancel);
        using var foreignResponse = await client.SendAsync(foreign, Cancel);

        Assert.Equal("https://app.example.com", allowedResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(foreignResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
