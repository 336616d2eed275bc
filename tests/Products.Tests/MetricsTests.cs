using System.Net;
using System.Net.Http.Json;
using Samples.BuildingBlocks.Observability;

namespace Samples.Products.Tests;

/// <summary>The business metrics an operator watches, by the names and service dimension the code emits.</summary>
public sealed class MetricsTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_and_version_conflicts_are_counted_under_the_products_service()
    {
        using var metrics = new MetricsRecorder(app.Services);
        using var client = app.Admin();

        using var created = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);
        var path = created.Headers.Location!.ToString();
        using var replaced = await client.SendAsync(Requests.Put(path, ProductsApp.ValidBody(price: 13m), "\"1\""), Cancel);
        using var stale = await client.SendAsync(Requests.Put(path, ProductsApp.ValidBody(price: 14m), "\"1\""), Cancel);
        using var staleDelete = await client.SendAsync(Requests.Delete(path, "\"1\""), Cancel);
        using var deleted = await client.SendAsync(Requests.Delete(path, "\"2\""), Cancel);
        using var refused = await client.PostAsJsonAsync("/products", new { name = "" }, Cancel);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.PreconditionFailed, HttpStatusCode.PreconditionFailed, HttpStatusCode.NoContent, HttpStatusCode.BadRequest],
            new[] { created, replaced, stale, staleDelete, deleted, refused }.Select(response => response.StatusCode));
        Assert.Equal(1, metrics.Total(ProductsApi.Metric.Created)); // the refused body counts nothing
        Assert.Equal(1, metrics.Total(ProductsApi.Metric.Replaced));
        Assert.Equal(1, metrics.Total(ProductsApi.Metric.Deleted));
        Assert.Equal(2, metrics.Total(BusinessMetrics.VersionConflicts));
        Assert.Equal(["products"], metrics.Services);
    }
}
