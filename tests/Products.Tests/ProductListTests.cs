using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>Listing, with a table of its own so the counts are this class's alone.</summary>
public sealed class ProductListTests(ProductsApp app) : IClassFixture<ProductsApp>, IAsyncLifetime
{
    private const int Stored = 25;
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;
    private readonly List<string> ids = [];

    public async ValueTask InitializeAsync()
    {
        if (ids.Count == 0 && (await TestTables.SnapshotAsync(app.Table)).Count == 0)
        {
            foreach (var i in Enumerable.Range(0, Stored))
            {
                ids.Add(await app.CreateProductAsync(ProductsApp.ValidBody($"Product {i}")));
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Without_a_limit_a_page_holds_20_and_points_to_the_next()
    {
        using var client = app.Anonymous();

        var page = (await client.GetFromJsonAsync<JsonObject>("/products", Cancel))!;

        Assert.Equal(20, page["items"]!.AsArray().Count);
        Assert.False(string.IsNullOrEmpty(page["nextToken"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Following_next_tokens_visits_every_product_exactly_once()
    {
        using var client = app.Anonymous();
        var seen = new List<string>();
        string? token = null;
        var pages = 0;

        do
        {
            var url = "/products?limit=7" + (token is null ? "" : "&nextToken=" + Uri.EscapeDataString(token));
            var page = (await client.GetFromJsonAsync<JsonObject>(url, Cancel))!;
            seen.AddRange(page["items"]!.AsArray().Select(item => item!["id"]!.GetValue<string>()));
            token = page["nextToken"]?.GetValue<string>();
            pages++;
        }
        while (token is not null && pages < 20);

        Assert.Equal(Stored, seen.Count);
        Assert.Equal(Stored, seen.Distinct().Count());
        Assert.InRange(pages, 4, 5);
    }

    [Fact]
    public async Task The_limit_is_bounded_at_100()
    {
        using var client = app.Anonymous();

        var page = (await client.GetFromJsonAsync<JsonObject>("/products?limit=100", Cancel))!;

        Assert.Equal(Stored, page["items"]!.AsArray().Count);
        Assert.Null(page["nextToken"]);
    }

    public static TheoryData<string, string> BadQueries => new()
    {
        { "limit=0", "limit" },
        { "limit=101", "limit" },
        { "limit=-5", "limit" },
        { "limit=ten", "limit" },
        { "limit=2.5", "limit" },
        { "limit=", "limit" },
        { "nextToken=garbage!!", "nextToken" },
        { "nextToken=" + Base64Url("""{"id":42}"""), "nextToken" },
        { "nextToken=" + Base64Url("""{"sku":"abc"}"""), "nextToken" },
        { "nextToken=" + Base64Url("""{"id":"abc","extra":"x"}"""), "nextToken" },
        { "nextToken=" + Base64Url("""not json"""), "nextToken" },
        { "nextToken=" + Base64Url("""["id"]"""), "nextToken" },
        { "nextToken=" + new string('A', 4000), "nextToken" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Bad_limits_and_tokens_are_400_problems_naming_the_parameter(string query, string field)
    {
        using var client = app.Anonymous();

        using var response = await client.GetAsync("/products?" + query, Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]?[field]);
    }

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
