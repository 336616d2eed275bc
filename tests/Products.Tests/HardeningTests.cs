using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>Input that used to be stored silently changed, or answered with a 500: now a 400 problem that changes nothing.</summary>
public sealed class HardeningTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("1.0000000000000000000000000000001")]
    [InlineData("1e-400")]
    [InlineData("12.500000000000000000000000001")]
    [InlineData("79228162514264337593543950336")]
    [InlineData("1E-29")]
    [InlineData("1e400")]
    public async Task A_price_that_cannot_be_stored_exactly_is_refused_naming_price(string price)
    {
        using var admin = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        var body = ProductsApp.ValidBody().ToJsonString().Replace("12.50", price, StringComparison.Ordinal);

        using var response = await admin.PostAsync("/products", Requests.Json(body), Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["price"]);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Theory]
    [InlineData("1.25e1", 12.5)]
    [InlineData("12.500000000000000000000000000", 12.5)]
    [InlineData("0e-400", 0)]
    [InlineData("1250E-2", 12.5)]
    public async Task A_price_written_in_another_exact_form_is_stored_as_that_value(string price, double expected)
    {
        using var admin = app.Admin();
        var body = ProductsApp.ValidBody().ToJsonString().Replace("12.50", price, StringComparison.Ordinal);

        using var response = await admin.PostAsync("/products", Requests.Json(body), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var product = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal((decimal)expected, product["price"]!.GetValue<decimal>());
    }

    [Theory]
    [InlineData("name", "\u200B")]
    [InlineData("name", "\u200B\u200D\uFEFF")]
    [InlineData("name", "\u0000")]
    [InlineData("name", "Cup\n")]
    [InlineData("tags", "\u2060")]
    public async Task Invisible_only_or_control_character_text_is_refused(string field, string value)
    {
        using var admin = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        var body = ProductsApp.ValidBody();
        body[field] = field == "tags" ? new JsonArray(value) : value;

        using var response = await admin.PostAsJsonAsync("/products", body, Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?[field]);
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Theory]
    [InlineData("""{"id":"\ud800"}""")]
    [InlineData("""{"id":"abc\udfff"}""")]
    [InlineData("""{"id":"a","extra":"b"}""")]
    [InlineData("""{"userId":"a"}""")]
    [InlineData("""{"id":""}""")]
    [InlineData("""{"id":{"S":"a"}}""")]
    public async Task A_forged_page_token_is_400(string json)
    {
        using var anonymous = app.Anonymous();

        using var response = await anonymous.GetAsync($"/products?nextToken={Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json))}", Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?["nextToken"]);
    }
}
