using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Samples.Products.Tests;

/// <summary>The Products app in memory, with a ProductsTable and an IdempotencyTable of its own.</summary>
public class ProductsApp() : ServiceApp<Program>("ProductsTable", "IdempotencyTable")
{
    public string Table => TableName("ProductsTable");

    public string IdempotencyTable => TableName("IdempotencyTable");

    public static string AdminToken => TestIssuer.Token("admin-sub", ["admin"]);

    public static string MemberToken => TestIssuer.Token("member-sub", ["readers"]);

    public HttpClient Admin() => ClientWithToken(AdminToken);

    public HttpClient Anonymous() => ClientWithToken(null);

    public static JsonObject ValidBody(string name = "Espresso cup", decimal price = 12.50m) => new()
    {
        ["name"] = name,
        ["description"] = "Porcelain, 80 ml.",
        ["price"] = price,
        ["currency"] = "EUR",
        ["tags"] = new JsonArray("kitchen", "coffee"),
    };

    /// <summary>Creates a product as admin and returns its id.</summary>
    public async Task<string> CreateProductAsync(JsonObject? body = null)
    {
        using var client = Admin();
        using var response = await client.PostAsJsonAsync("/products", body ?? ValidBody(), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var product = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        return product!["id"]!.GetValue<string>();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> ServiceSettings(IReadOnlyDictionary<string, string> tables) =>
        [new("Products:TableName", tables["ProductsTable"]), new("Idempotency:TableName", tables["IdempotencyTable"])];
}
