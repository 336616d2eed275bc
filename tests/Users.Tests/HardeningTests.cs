using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

/// <summary>Input that used to be stored, or answered with a 500: now a 400 problem that changes nothing.</summary>
public sealed class HardeningTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("abc\n")]
    [InlineData("abc\r\n")]
    [InlineData("abc\r")]
    [InlineData("\nabc")]
    public async Task A_user_id_with_a_line_break_is_refused_and_nothing_is_stored(string userId)
    {
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);
        var before = await TestTables.SnapshotAsync(app.Table);
        var body = UsersApp.Body();
        body["userId"] = userId;

        using var response = await admin.PostAsJsonAsync("/users", body, Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["userId"]);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Theory]
    [InlineData("abc%0A")]
    [InlineData("abc%0D%0A")]
    [InlineData("abc%09")]
    public async Task Routes_with_a_user_id_ending_in_a_control_character_answer_400(string encodedId)
    {
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);

        using var read = await admin.GetAsync($"/users/{encodedId}", Cancel);
        using var delete = await admin.DeleteAsync($"/users/{encodedId}", Cancel);
        using var replace = await admin.SendAsync(Requests.Put($"/users/{encodedId}", UsersApp.Body(), "\"1\""), Cancel);

        await Problems.AssertAsync(read, HttpStatusCode.BadRequest);
        await Problems.AssertAsync(delete, HttpStatusCode.BadRequest);
        await Problems.AssertAsync(replace, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("displayName", "\u200B")]
    [InlineData("displayName", "\u200B\u200C\u200D\uFEFF")]
    [InlineData("displayName", "\u0000")]
    [InlineData("displayName", "\u3164\u3164")]
    [InlineData("displayName", "Ada\n")]
    [InlineData("displayName", "Ada\u202E")]
    [InlineData("avatarUrl", "https://example.com/ada.png\n")]
    [InlineData("avatarUrl", "https://example.com/\u0000")]
    [InlineData("bio", "Engineer.\u0000")]
    public async Task Invisible_only_and_control_character_text_is_refused_naming_the_field(string field, string value)
    {
        var sub = UsersApp.NewSub("user");
        using var user = app.As(sub);
        var body = UsersApp.Body();
        body[field] = value;

        using var response = await user.PostAsJsonAsync("/users", body, Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?[field]);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "userId", sub));
    }

    public static TheoryData<string, string> ForgedTokens => new()
    {
        { "", Token("""{"userId":"\ud800"}""") },
        { "", Token("""{"userId":"\udc00abc"}""") },
        { "", Token("""{"userId":"a","extra":"b"}""") },
        { "", Token("""{"userId":"a","email":"ada@example.com"}""") },
        { "", Token("""{"userId":1}""") },
        { "ada@example.com", Token("""{"userId":"a","email":"\ud800"}""") },
        { "ada@example.com", Token("""{"userId":"a","email":"someone-else@example.com"}""") },
        { "ada@example.com", Token("""{"userId":"a"}""") },
        { "ada@example.com", Token("""{"userId":"a","email":"ada@example.com","room":"x"}""") },
    };

    [Theory]
    [MemberData(nameof(ForgedTokens))]
    public async Task A_page_token_not_issued_for_this_query_is_400(string email, string token)
    {
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);
        var query = (email.Length > 0 ? $"email={Uri.EscapeDataString(email)}&" : "") + $"nextToken={token}";

        using var response = await admin.GetAsync($"/users?{query}", Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["nextToken"]);
    }

    [Fact]
    public async Task A_token_issued_for_an_email_query_resumes_that_query()
    {
        using var admin = app.As(UsersApp.NewSub("admin"), admin: true);
        var email = $"paged-{Guid.NewGuid():N}@example.com";
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var sub = UsersApp.NewSub("user");
            using var user = app.ClientWithToken(TestIssuer.Token(sub, ["members"], email: email));
            (await user.PostAsJsonAsync("/users", UsersApp.Body(), Cancel)).EnsureSuccessStatusCode();
        }

        var first = (await admin.GetFromJsonAsync<JsonObject>($"/users?email={Uri.EscapeDataString(email)}&limit=2", Cancel))!;
        var token = first["nextToken"]!.GetValue<string>();
        var second = (await admin.GetFromJsonAsync<JsonObject>($"/users?email={Uri.EscapeDataString(email)}&limit=2&nextToken={token}", Cancel))!;
        using var elsewhere = await admin.GetAsync($"/users?email=other%40example.com&nextToken={token}", Cancel);

        Assert.Equal(3, first["items"]!.AsArray().Count + second["items"]!.AsArray().Count);
        await Problems.AssertAsync(elsewhere, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_rejected_token_gets_a_bare_challenge_without_validation_details()
    {
        using var forged = app.ClientWithToken(TestIssuer.Token("eve", foreignKey: true));

        using var response = await forged.GetAsync("/users/me", Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Null(challenge.Parameter); // no error="invalid_token", error_description="The signature key was not found"
        Problems.AssertStandardHeaders(response);
    }

    [Fact]
    public async Task A_successful_per_user_response_is_not_cacheable_and_names_no_server()
    {
        var sub = UsersApp.NewSub("user");
        await app.CreateOwnProfileAsync(sub);
        using var user = app.As(sub);

        using var response = await user.GetAsync("/users/me", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Problems.AssertStandardHeaders(response);
    }

    private static string Token(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
