using System.Net;
using System.Text;

namespace Samples.Products.Tests;

/// <summary>Products on a real Kestrel port: a chunked body has no length to check up front, so the server's own limit applies.</summary>
public sealed class KestrelProductsApp : ProductsApp
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        UseKestrel(0);
        StartServer();
    }
}

public sealed class BodyLimitTests(KestrelProductsApp app) : IClassFixture<KestrelProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_chunked_body_over_64_KB_gets_413_from_the_servers_limit_and_changes_nothing()
    {
        using var client = app.Admin();
        var before = await TestTables.SnapshotAsync(app.Table);
        var body = ProductsApp.ValidBody();
        body["description"] = new string('x', 70_000);

        using var chunked = await client.PostAsync("/products", new ChunkedContent(body.ToJsonString()), Cancel);
        using var small = await client.PostAsync("/products", new ChunkedContent(ProductsApp.ValidBody().ToJsonString()), Cancel);

        await Problems.AssertAsync(chunked, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
        Assert.Equal(before.Count + 1, (await TestTables.SnapshotAsync(app.Table)).Count);
    }

    /// <summary>JSON without a declared length, so the client sends it chunked.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] json;

        public ChunkedContent(string json)
        {
            this.json = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(json).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
