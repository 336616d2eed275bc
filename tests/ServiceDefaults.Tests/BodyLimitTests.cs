using System.Net;
using System.Text;

namespace Samples.ServiceDefaults.Tests;

/// <summary>Products on a real Kestrel port: a chunked body has no length to check up front, so it is counted as it is read.</summary>
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
    public async Task A_chunked_body_over_64_KB_gets_413_and_changes_nothing()
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_of_exactly_64_KB_is_accepted_and_one_byte_more_is_413_whether_chunked_or_not(bool chunked)
    {
        using var client = app.Admin();
        const int limit = 64 * 1024;
        var before = await TestTables.SnapshotAsync(app.Table);

        using var atLimit = await client.PostAsync("/products", Body(Padded(limit), chunked), Cancel);
        using var overLimit = await client.PostAsync("/products", Body(Padded(limit + 1), chunked), Cancel);

        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
        await Problems.AssertAsync(overLimit, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before.Count + 1, (await TestTables.SnapshotAsync(app.Table)).Count);
    }

    /// <summary>A valid product as JSON of exactly <paramref name="bytes"/> bytes (whitespace after the object is still JSON).</summary>
    private static string Padded(int bytes)
    {
        var json = ProductsApp.ValidBody().ToJsonString();
        return json + new string(' ', bytes - Encoding.UTF8.GetByteCount(json));
    }

    private static HttpContent Body(string json, bool chunked) =>
        chunked ? new ChunkedContent(json) : new StringContent(json, Encoding.UTF8, "application/json");

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
