namespace Samples.Products.Tests;

/// <summary>
/// A generated corpus of hostile bodies (<see cref="HostileCorpus"/>) against every route that reads one:
/// each must get a 4xx problem with a correlation id, never a 5xx, and leave the table as it was.
/// </summary>
public sealed class HostileInputTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static readonly string Tag51 = new('t', 51);

    public static IReadOnlyList<HostileCase> Corpus { get; } = HostileCorpus.Bodies(ProductsApp.ValidBody(), new Dictionary<string, IEnumerable<string>>
    {
        ["name"] = HostileCorpus.BadLines("Cup").Select(HostileCorpus.Token).Concat(["null", "42", "true", "[]", "\"\"", HostileCorpus.Token(new string('n', 201))]),
        ["description"] = HostileCorpus.BadMultiline("Porcelain.\n80 ml.").Select(HostileCorpus.Token).Concat(["42", "[]", HostileCorpus.Token(new string('d', 2001))]),
        ["price"] = HostileCorpus.BadNumbers.Concat(["-1", "-0.01", "1.999", "\"12.50\"", "true", "null", "[]"]),
        ["currency"] = new[] { "eur", "EUR\n", "EUR\r\n", "EU", "", "XXX", "EUR\u0000", "E\u200BUR", "ＥＵＲ" }.Select(HostileCorpus.Token).Concat(["1", "null"]),
        ["tags"] = HostileCorpus.BadLines("kitchen").Select(tag => $"[{HostileCorpus.Token(tag)}]")
            .Concat(["[\"\"]", "[null]", "[1]", "\"kitchen\"", "[[\"nested\"]]", $"[\"{Tag51}\"]", "[" + string.Join(",", Enumerable.Repeat("\"t\"", 11)) + "]"]),
    });

    [Fact]
    public void The_corpus_is_large()
    {
        Assert.True(Corpus.Count >= 300, $"{Corpus.Count} cases");
    }

    [Fact]
    public async Task Every_hostile_create_body_gets_a_4xx_problem_and_writes_nothing()
    {
        using var admin = app.Admin();
        await HostileCorpus.AssertEachRefusedAsync(admin, Corpus, app.Table, body => new HttpRequestMessage(HttpMethod.Post, "/products") { Content = body });
    }

    [Fact]
    public async Task Every_hostile_replace_body_gets_a_4xx_problem_and_changes_nothing()
    {
        var id = await app.CreateProductAsync();
        using var admin = app.Admin();
        await HostileCorpus.AssertEachRefusedAsync(admin, Corpus, app.Table, body =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"/products/{id}") { Content = body };
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            return request;
        });
    }
}
