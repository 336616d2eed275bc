using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.Users.Tests;

/// <summary>
/// Profile writes whose first attempt lands but whose answer is lost (the SDK retries): a brand-new identity's
/// POST answers 201, not "409 Profile already exists"; a PUT 200, not 412; a DELETE 204, not 404.
/// </summary>
public sealed class SafeRetryTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_identitys_create_whose_answer_is_lost_answers_201_not_409()
    {
        var sub = UsersApp.NewSub("member");
        using var client = app.As(sub);
        app.LostAnswers.Lose("PutItem", table: app.Table);

        using var response = await client.PostAsJsonAsync("/users", UsersApp.Body("Lost answer"), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1, app.LostAnswers.Lost["PutItem"]);
        Assert.Equal($"/users/{sub}", response.Headers.Location!.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag!.ToString());
        Assert.Equal("Lost answer", (await TestTables.GetItemAsync(app.Table, "userId", sub))!["displayName"].S);
    }

    [Fact]
    public async Task A_second_create_for_the_same_identity_is_still_a_409()
    {
        var sub = UsersApp.NewSub("member");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);

        using var again = await client.PostAsJsonAsync("/users", UsersApp.Body("Again"), Cancel);

        await Problems.AssertAsync(again, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_replace_whose_answer_is_lost_answers_200_with_the_next_etag()
    {
        var sub = UsersApp.NewSub("member");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);
        app.LostAnswers.Lose("UpdateItem", table: app.Table);

        using var response = await client.SendAsync(Requests.Put("/users/me", UsersApp.Body("Renamed"), "\"1\""), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag!.ToString());
        Assert.Equal("Renamed", (await TestTables.GetItemAsync(app.Table, "userId", sub))!["displayName"].S);
    }

    [Fact]
    public async Task A_delete_whose_answer_is_lost_answers_204_not_404()
    {
        var sub = UsersApp.NewSub("member");
        await app.CreateOwnProfileAsync(sub);
        using var client = app.As(sub);
        app.LostAnswers.Lose("TransactWriteItems", table: app.Table);

        using var response = await client.DeleteAsync("/users/me", Cancel);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, app.LostAnswers.Lost["TransactWriteItems"]);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "userId", sub));
    }

    [Fact]
    public async Task A_create_retried_with_its_idempotency_key_gets_the_first_201_byte_for_byte()
    {
        var sub = UsersApp.NewSub("member");
        using var client = app.As(sub);
        var key = Guid.NewGuid().ToString();

        using var first = await PostAsync(client, key, UsersApp.Body());
        using var retry = await PostAsync(client, key, UsersApp.Body());
        using var reused = await PostAsync(client, key, UsersApp.Body("Another name"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(Cancel), await retry.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(first.Headers.ETag, retry.Headers.ETag);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        await Problems.AssertAsync(reused, HttpStatusCode.UnprocessableEntity);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string key, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"\"{key}\"");
        return client.SendAsync(request, Cancel);
    }
}
