using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>
/// Every write whose first attempt lands but whose answer is lost (the app's DynamoDB client loses it and the SDK
/// retries) answers the success it was, not a 409, 412 or 404, and the table holds exactly that one write.
/// </summary>
public sealed class SafeRetryTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_create_whose_answer_is_lost_answers_201_once_and_stores_one_product()
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        app.LostAnswers.Lose("PutItem");

        using var response = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody("Lost answer"), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1, app.LostAnswers.Lost["PutItem"]);
        var product = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        var id = product["id"]!.GetValue<string>();
        Assert.Equal($"/products/{id}", response.Headers.Location!.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag!.ToString());
        var after = await TestTables.SnapshotAsync(app.Table);
        Assert.Equal(before.Count + 1, after.Count);
        Assert.Equal("Lost answer", (await TestTables.GetItemAsync(app.Table, "id", id))!["name"].S);
    }

    [Fact]
    public async Task A_replace_whose_answer_is_lost_answers_200_with_the_next_etag_not_412()
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        app.LostAnswers.Lose("UpdateItem");

        using var response = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Replaced", 15m), "\"1\""), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, app.LostAnswers.Lost["UpdateItem"]);
        Assert.Equal("\"2\"", response.Headers.ETag!.ToString());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal("Replaced", body["name"]!.GetValue<string>());
        var stored = (await TestTables.GetItemAsync(app.Table, "id", id))!;
        Assert.Equal("2", stored["version"].N);
        Assert.Equal("Replaced", stored["name"].S);
    }

    [Fact]
    public async Task A_replace_that_really_lost_the_race_still_answers_412()
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        using (var first = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("First"), "\"1\""), Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var stale = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Second"), "\"1\""), Cancel);

        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal("First", (await TestTables.GetItemAsync(app.Table, "id", id))!["name"].S);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("\"1\"")]
    public async Task A_delete_whose_answer_is_lost_answers_204_not_404(string? ifMatch)
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        app.LostAnswers.Lose("TransactWriteItems");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/products/{id}");
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, app.LostAnswers.Lost["TransactWriteItems"]);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "id", id));
    }

    [Fact]
    public async Task A_delete_of_a_product_that_is_gone_still_answers_404()
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        using (var first = await client.DeleteAsync($"/products/{id}", Cancel))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        using var again = await client.DeleteAsync($"/products/{id}", Cancel);

        await Problems.AssertAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_create_that_answered_503_after_it_was_stored_is_found_by_its_idempotency_key_not_made_again()
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        // Every attempt lands and every answer is lost: the SDK gives up and the client gets a 503, yet the product is stored.
        var key = Guid.NewGuid().ToString();
        app.LostAnswers.Lose("PutItem", count: 3, table: app.Table);
        using var first = await PostWithKeyAsync(client, key);
        await Problems.AssertAsync(first, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(before.Count + 1, (await TestTables.SnapshotAsync(app.Table)).Count);

        using var retry = await PostWithKeyAsync(client, key);

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        var product = (await retry.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal(before.Count + 1, (await TestTables.SnapshotAsync(app.Table)).Count);
        Assert.NotNull(await TestTables.GetItemAsync(app.Table, "id", product["id"]!.GetValue<string>()));
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody("Keyed")) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", $"\"{key}\"");
        return client.SendAsync(request, Cancel);
    }
}
