using System.Net;

namespace Samples.Products.Tests;

public sealed class ProductValidationTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string Long201 = new('n', 201);
    private static readonly string Long2001 = new('d', 2001);
    private static readonly string Tag51 = new('t', 51);

    /// <summary>Invalid bodies and the field each must be reported against.</summary>
    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"price":1,"currency":"EUR"}""", "name" },
        { """{"name":"   ","price":1,"currency":"EUR"}""", "name" },
        { $$"""{"name":"{{Long201}}","price":1,"currency":"EUR"}""", "name" },
        { $$"""{"name":"Cup","description":"{{Long2001}}","price":1,"currency":"EUR"}""", "description" },
        { """{"name":"Cup","currency":"EUR"}""", "price" },
        { """{"name":"Cup","price":-0.01,"currency":"EUR"}""", "price" },
        { """{"name":"Cup","price":1.999,"currency":"EUR"}""", "price" },
        { """{"name":"Cup","price":1}""", "currency" },
        { """{"name":"Cup","price":1,"currency":"eur"}""", "currency" },
        { """{"name":"Cup","price":1,"currency":"EURO"}""", "currency" },
        { """{"name":"Cup","price":1,"currency":"ABC"}""", "currency" },
        { """{"name":"Cup","price":1,"currency":"EUR","tags":["a","b","c","d","e","f","g","h","i","j","k"]}""", "tags" },
        { """{"name":"Cup","price":1,"currency":"EUR","tags":[""]}""", "tags" },
        { $$"""{"name":"Cup","price":1,"currency":"EUR","tags":["{{Tag51}}"]}""", "tags" },
        { """{"name":"Cup","price":1,"currency":"EUR","tags":[null]}""", "tags" },
        // Wrong JSON types, unknown and duplicate fields: reported by the JSON path of the offending field.
        { """{"name":42,"price":1,"currency":"EUR"}""", "name" },
        { """{"name":"Cup","price":"12.50","currency":"EUR"}""", "price" },
        { """{"name":"Cup","price":true,"currency":"EUR"}""", "price" },
        { """{"name":"Cup","price":1,"currency":"EUR","tags":"kitchen"}""", "tags" },
        { """{"name":"Cup","price":1,"currency":"EUR","tags":[1]}""", "tags[0]" },
        { """{"name":"Cup","price":1,"currency":"EUR","id":"0123456789abcdef0123456789abcdef"}""", "id" },
        { """{"name":"Cup","price":1,"currency":"EUR","version":7}""", "version" },
        { """{"name":"Cup","name":"Mug","price":1,"currency":"EUR"}""", "name" },
        { """{"name":"Cup","price":1e400,"currency":"EUR"}""", "price" },
        { """{"name":"Cup","price":1,"currency":"EUR" """, "$" },
        { """[1,2,3]""", "$" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_create_bodies_get_400_with_the_field_named_and_write_nothing(string body, string field)
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);

        using var response = await client.PostAsync("/products", Requests.Json(body), Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"Expected an error for '{field}', got: {errors.ToJsonString()}");
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Theory]
    [InlineData("""{"name":"Cup","price":1,"currency":"EUR","colour":"red"}""", "colour", "'colour' is not a known field.")]
    [InlineData("""{"name":"Cup","price":1,"currency":"EUR","nested":{"a":1}}""", "nested", "'nested' is not a known field.")]
    [InlineData("""{"name":"Cup","price":"1","currency":"EUR"}""", "price", "'price' must be a number, given once.")]
    [InlineData("""{"name":42,"price":1,"currency":"EUR"}""", "name", "'name' must be a string, given once.")]
    [InlineData("""{"name":"Cup","name":"Mug","price":1,"currency":"EUR"}""", "name", "'name' must be a string, given once.")]
    [InlineData("""{"name":"Cup","price":1,"currency":"EUR","tags":"kitchen"}""", "tags", "'tags' must be an array, given once.")]
    [InlineData("""{"name":"Cup","price":1,"currency":"EUR","tags":[1]}""", "tags[0]", "'tags[0]' must be a string, given once.")]
    [InlineData("""[1,2,3]""", "$", "The request body must be one JSON object.")]
    [InlineData("""{"name":""", "name", "The request body is not valid JSON.")]
    public async Task A_body_the_serializer_refuses_is_explained_from_the_input_type_not_the_exception_text(string body, string field, string message)
    {
        using var client = app.Admin();

        using var response = await client.PostAsync("/products", Requests.Json(body), Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(message, problem["errors"]![field]![0]!.GetValue<string>());
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_replace_bodies_get_400_and_keep_the_stored_product(string body, string field)
    {
        var id = await app.CreateProductAsync();
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/products/{id}") { Content = Requests.Json(body) };
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");

        using var response = await client.SendAsync(request, Cancel);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field));
        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Theory]
    [InlineData("""{"name":"C","price":0,"currency":"JPY"}""")]
    [InlineData("""{"name":"Cup","price":19.99,"currency":"USD","description":"","tags":[]}""")]
    [InlineData("""{"name":"Cup","price":19.9,"currency":"CHF","tags":["a","b","c","d","e","f","g","h","i","j"]}""")]
    [InlineData("""{"name":"Cup","description":null,"price":1.00,"currency":"EUR","tags":null}""")]
    public async Task Boundary_bodies_are_accepted(string body)
    {
        using var client = app.Admin();

        using var response = await client.PostAsync("/products", Requests.Json(body), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
