using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

public sealed class ProductsApiTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_as_admin_returns_201_with_location_etag_and_server_made_fields()
    {
        using var client = app.Admin();
        var before = DateTimeOffset.UtcNow;

        using var response = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var product = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        var id = product["id"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal($"/products/{id}", response.Headers.Location!.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag!.ToString());
        Assert.Equal(1, product["version"]!.GetValue<long>());
        Assert.Equal("admin-sub", product["createdBy"]!.GetValue<string>());
        Assert.InRange(product["createdAt"]!.GetValue<DateTimeOffset>(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(product["createdAt"]!.GetValue<DateTimeOffset>(), product["updatedAt"]!.GetValue<DateTimeOffset>());
        Assert.NotNull(await TestTables.GetItemAsync(app.Table, "id", id));
    }

    [Fact]
    public async Task Get_returns_the_stored_product_with_its_etag_to_anonymous_callers()
    {
        var id = await app.CreateProductAsync(ProductsApp.ValidBody("Teapot", 30m));
        using var client = app.Anonymous();

        using var response = await client.GetAsync($"/products/{id}", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", response.Headers.ETag!.ToString());
        var product = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal("Teapot", product["name"]!.GetValue<string>());
        Assert.Equal(30m, product["price"]!.GetValue<decimal>());
        Assert.Equal(["kitchen", "coffee"], product["tags"]!.AsArray().Select(tag => tag!.GetValue<string>()));
    }

    [Fact]
    public async Task Get_of_an_unknown_id_returns_a_404_problem()
    {
        using var client = app.Anonymous();

        using var response = await client.GetAsync($"/products/{Guid.CreateVersion7():N}", Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    public async Task Malformed_ids_are_400_problems_on_every_route(string id)
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);

        using var get = await client.GetAsync($"/products/{id}", Cancel);
        using var put = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody(), "\"1\""), Cancel);
        using var delete = await client.DeleteAsync($"/products/{id}", Cancel);

        foreach (var response in new[] { get, put, delete })
        {
            var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
            Assert.NotNull(problem["errors"]?["id"]);
        }

        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task Name_is_trimmed_and_price_is_stored_exactly_as_a_decimal_number()
    {
        var body = ProductsApp.ValidBody("  Grinder  ", 1234567890123.07m);

        var id = await app.CreateProductAsync(body);

        var item = (await TestTables.GetItemAsync(app.Table, "id", id))!;
        Assert.Equal("Grinder", item["name"].S);
        Assert.Equal("1234567890123.07", item["price"].N);
        using var client = app.Anonymous();
        var product = (await client.GetFromJsonAsync<JsonObject>($"/products/{id}", Cancel))!;
        Assert.Equal(1234567890123.07m, product["price"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task Replace_with_the_current_etag_replaces_every_field_and_bumps_the_version()
    {
        var id = await app.CreateProductAsync();
        var original = (await TestTables.GetItemAsync(app.Table, "id", id))!;
        using var client = app.Admin();
        var replacement = new JsonObject { ["name"] = "Cup, large", ["price"] = 14m, ["currency"] = "USD" };

        using var response = await client.SendAsync(Requests.Put($"/products/{id}", replacement, "\"1\""), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag!.ToString());
        var stored = (await TestTables.GetItemAsync(app.Table, "id", id))!;
        Assert.Equal("Cup, large", stored["name"].S);
        Assert.Equal("14", stored["price"].N);
        Assert.Equal("USD", stored["currency"].S);
        Assert.Equal("2", stored["version"].N);
        Assert.False(stored.ContainsKey("description")); // full replace: omitted fields are cleared
        Assert.Empty(stored["tags"].L!);
        Assert.Equal(original["createdAt"].S, stored["createdAt"].S);
        Assert.Equal(original["createdBy"].S, stored["createdBy"].S);
    }

    [Fact]
    public async Task Replace_without_if_match_returns_428_and_keeps_the_stored_product()
    {
        var id = await app.CreateProductAsync();
        var before = await TestTables.SnapshotAsync(app.Table);
        using var client = app.Admin();

        using var response = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Changed"), ifMatch: null), Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.PreconditionRequired);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task Update_with_stale_etag_returns_412_and_keeps_the_stored_product()
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        using var first = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("First"), "\"1\""), Cancel);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var before = await TestTables.SnapshotAsync(app.Table);

        using var stale = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Second"), "\"1\""), Cancel);

        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("W/\"1\"")]
    [InlineData("*")]
    [InlineData("\"1\", \"2\"")]
    [InlineData("\"one\"")]
    public async Task Malformed_if_match_is_a_400_and_changes_nothing(string ifMatch)
    {
        var id = await app.CreateProductAsync();
        var before = await TestTables.SnapshotAsync(app.Table);
        using var client = app.Admin();

        using var put = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Changed"), ifMatch), Cancel);
        using var delete = await client.SendAsync(Requests.Delete($"/products/{id}", ifMatch), Cancel);

        await Problems.AssertAsync(put, HttpStatusCode.BadRequest);
        await Problems.AssertAsync(delete, HttpStatusCode.BadRequest);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task Replace_of_an_unknown_product_returns_404_and_creates_nothing()
    {
        using var client = app.Admin();
        var id = Guid.CreateVersion7().ToString("N");

        using var response = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody(), "\"1\""), Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "id", id));
    }

    [Fact]
    public async Task Delete_returns_204_and_the_product_is_gone()
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();

        using var response = await client.DeleteAsync($"/products/{id}", Cancel);
        using var again = await client.DeleteAsync($"/products/{id}", Cancel);
        using var read = await client.GetAsync($"/products/{id}", Cancel);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await Problems.AssertAsync(again, HttpStatusCode.NotFound);
        await Problems.AssertAsync(read, HttpStatusCode.NotFound);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "id", id));
    }

    [Fact]
    public async Task Delete_honours_if_match_when_sent()
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        using var replaced = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("v2"), "\"1\""), Cancel);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        using var stale = await client.SendAsync(Requests.Delete($"/products/{id}", "\"1\""), Cancel);
        Assert.NotNull(await TestTables.GetItemAsync(app.Table, "id", id));
        using var current = await client.SendAsync(Requests.Delete($"/products/{id}", "\"2\""), Cancel);

        await Problems.AssertAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.NoContent, current.StatusCode);
        Assert.Null(await TestTables.GetItemAsync(app.Table, "id", id));
    }

    [Fact]
    public async Task Concurrent_conflicting_updates_exactly_one_wins_the_others_get_412_and_nothing_is_lost()
    {
        var id = await app.CreateProductAsync();
        const int writers = 12;

        var responses = await Task.WhenAll(Enumerable.Range(0, writers).Select(async writer =>
        {
            using var client = app.Admin();
            using var response = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody($"Writer {writer}"), "\"1\""), Cancel);
            return (Writer: writer, response.StatusCode);
        }));

        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        Assert.All(responses.Except(winners), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
        var stored = (await TestTables.GetItemAsync(app.Table, "id", id))!;
        Assert.Equal("2", stored["version"].N);
        Assert.Equal($"Writer {winners[0].Writer}", stored["name"].S);
    }

    [Fact]
    public async Task Every_response_echoes_a_well_formed_caller_correlation_id_and_problems_carry_it()
    {
        using var client = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/products/{Guid.CreateVersion7():N}");
        request.Headers.Add("X-Correlation-Id", "checkout-42.retry:1");
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/products");
        forged.Headers.TryAddWithoutValidation("X-Correlation-Id", "evil\"}{\"level\":\"Critical");

        using var response = await client.SendAsync(request, Cancel);
        using var ignored = await client.SendAsync(forged, Cancel);

        Assert.Equal("checkout-42.retry:1", response.Headers.GetValues("X-Correlation-Id").Single());
        var problem = await Problems.AssertAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("checkout-42.retry:1", problem["correlationId"]!.GetValue<string>());
        Assert.NotEqual("evil\"}{\"level\":\"Critical", ignored.Headers.GetValues("X-Correlation-Id").Single());
        Assert.NotEmpty(ignored.Headers.GetValues("X-Correlation-Id").Single());
    }

    [Fact]
    public async Task Bodies_over_64_KB_get_413_and_change_nothing()
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        var body = ProductsApp.ValidBody();
        body["description"] = new string('x', 70_000);

        // A declared length over the limit: refused before the body is read (the check that holds in Lambda).
        using var response = await client.PostAsJsonAsync("/products", body, Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_415_or_400_problems()
    {
        using var client = app.Admin();

        using var text = await client.PostAsync("/products", new StringContent("name=cup", Encoding.UTF8, "text/plain"), Cancel);
        using var empty = await client.PostAsync("/products", new StringContent("", Encoding.UTF8, "application/json"), Cancel);
        using var nullBody = await client.PostAsync("/products", new StringContent("null", Encoding.UTF8, "application/json"), Cancel);

        await Problems.AssertAsync(text, HttpStatusCode.UnsupportedMediaType);
        await Problems.AssertAsync(empty, HttpStatusCode.BadRequest);
        await Problems.AssertAsync(nullBody, HttpStatusCode.BadRequest);
    }
}
